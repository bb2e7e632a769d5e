using System.Reflection;
using System.Text.RegularExpressions;
using DrsGraph.Gateway.Errors;

using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Contract;

/// <summary>The README's error tables and <see cref="GatewayErrorCodes"/> name the same codes, so neither can drift.</summary>
public sealed partial class ErrorCodeCatalogueTests
{
    [Fact]
    public void The_readme_error_tables_list_every_code_of_the_catalogue_and_no_other()
    {
        var catalogue = typeof(GatewayErrorCodes)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);
        var documented = ReadmeErrorCodes(File.ReadAllText(Path.Combine(Repository.Root, "README.md")));

        Assert.NotEmpty(catalogue);
        Assert.Empty(catalogue.Except(documented).Order(StringComparer.Ordinal));
        Assert.Empty(documented.Except(catalogue).Order(StringComparer.Ordinal));
    }

    /// <summary>Our codes in the first column of every <c>| code | when |</c> table (DRS's dotted codes left out).</summary>
    private static HashSet<string> ReadmeErrorCodes(string readme)
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        var inTable = false;
        foreach (var line in readme.ReplaceLineEndings("\n").Split('\n'))
        {
            if (line.StartsWith("| code |", StringComparison.Ordinal))
            {
                inTable = true;
                continue;
            }

            if (!line.StartsWith('|'))
            {
                inTable = false;
                continue;
            }

            if (inTable)
            {
                var firstCell = line.Split('|')[1];
                foreach (Match code in OwnCode().Matches(firstCell))
                {
                    codes.Add(code.Groups[1].Value);
                }
            }
        }

        return codes;
    }

    [GeneratedRegex("`([A-Z][A-Z_]+)`")]
    private static partial Regex OwnCode();
}
