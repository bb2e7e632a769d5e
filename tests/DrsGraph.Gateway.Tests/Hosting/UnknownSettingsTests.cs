using System.Text.Json;
using System.Text.RegularExpressions;
using DrsGraph.Gateway.Health;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Hosting;

/// <summary>
/// The check that refuses keys no setting reads (the real program's refusal is in <see cref="StartupConfigurationTests"/>)
/// must take every key the repository itself uses: the shipped settings, the deployment files, README's examples, the
/// bench scripts and the tests' own settings.
/// </summary>
public sealed partial class UnknownSettingsTests
{
    [Fact]
    public void Every_key_in_the_shipped_settings_and_the_deployment_files_is_known()
    {
        var keys = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Repository.Root, "appsettings*.json", SearchOption.AllDirectories).Where(Tracked))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            Flatten(json.RootElement, "", keys);
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repository.Root, "deploy"), "*", SearchOption.AllDirectories).Append(Path.Combine(Repository.Root, "Dockerfile")))
        {
            keys.AddRange(KeysIn(File.ReadAllText(file)));
        }

        Assert.Contains("Gateway:Cache:KeyPrefix", keys);
        Assert.Contains("Drs:Resilience:Retry:MaxRetryAttempts", keys);
        Assert.Contains("Gateway:ServiceIdentity:Grants:0:Projects:0", keys);
        Assert.Empty(UnknownSettings.Find(keys));
    }

    [Fact]
    public void Every_key_in_readme_the_docs_the_bench_scripts_and_the_tests_is_known()
    {
        var files = new[] { "README.md" }.Select(name => Path.Combine(Repository.Root, name))
            .Concat(Directory.EnumerateFiles(Path.Combine(Repository.Root, "bench"), "*", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(Path.Combine(Repository.Root, "tests"), "*.cs", SearchOption.AllDirectories))
            .Concat(Directory.Exists(Path.Combine(Repository.Root, "docs")) ? Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md", SearchOption.AllDirectories) : [])
            .Where(file => Tracked(file) && !file.EndsWith(nameof(UnknownSettingsTests) + ".cs", StringComparison.Ordinal) && !file.EndsWith(nameof(StartupConfigurationTests) + ".cs", StringComparison.Ordinal));
        var keys = files.SelectMany(file => KeysIn(File.ReadAllText(file)).Select(key => (File: Path.GetRelativePath(Repository.Root, file), Key: key))).ToList();

        var unknown = keys.Where(k => UnknownSettings.Find([k.Key]).Count > 0).Select(k => $"{k.File}: {k.Key}").Distinct().ToList();

        Assert.True(keys.Count > 100, $"only {keys.Count} keys found");
        Assert.True(unknown.Count == 0, string.Join('\n', unknown));
    }

    [Theory]
    [InlineData("Gateway:Chache:Enabled", "Gateway:Chache:Enabled is not a setting of the gateway (did you mean Gateway:Cache:Enabled?)")]
    [InlineData("Gateway:Cache:StatusTt", "Gateway:Cache:StatusTt is not a setting of the gateway (did you mean Gateway:Cache:StatusTtl?)")]
    [InlineData("Drs:Endpiont", "Drs:Endpiont is not a setting of the gateway (did you mean Drs:Endpoint?)")]
    [InlineData("Drs:Regions:eu-nl:Endpiont", "Drs:Regions:eu-nl:Endpiont is not a setting of the gateway (did you mean Drs:Regions:eu-nl:Endpoint?)")]
    [InlineData("Gateway:ServiceIdentity:Grants:0:Claimz", "Gateway:ServiceIdentity:Grants:0:Claimz is not a setting of the gateway (did you mean Gateway:ServiceIdentity:Grants:0:Claim?)")]
    [InlineData("Gateway:PersistedOperations:TrustedDocumentsPath", "Gateway:PersistedOperations:TrustedDocumentsPath is not a setting of the gateway")]
    [InlineData("Drs:Resilience:Retry:MaxRetries", "Drs:Resilience:Retry:MaxRetries is not a setting of the gateway")]
    [InlineData("GraphQL:Htp:EnableIde", "GraphQL:Htp:EnableIde is not a setting of the gateway (did you mean GraphQL:Http:EnableIde?)")]
    [InlineData("Emulator:TimeScal", "Emulator:TimeScal is not a setting of the gateway (did you mean Emulator:TimeScale?)")]
    [InlineData("Gateway:Cache:Enabled:Really", "Gateway:Cache:Enabled:Really is not a setting of the gateway")]
    [InlineData("Dsr:Endpoint", "Dsr:Endpoint is not a setting of the gateway (did you mean Drs:Endpoint?)")]
    [InlineData("Gatway:RequestTimeout", "Gatway:RequestTimeout is not a setting of the gateway (did you mean Gateway:RequestTimeout?)")]
    [InlineData("GraphQl2:Http:EnableIde", "GraphQl2:Http:EnableIde is not a setting of the gateway (did you mean GraphQL:Http:EnableIde?)")]
    [InlineData("Emulatr:TimeScale", "Emulatr:TimeScale is not a setting of the gateway (did you mean Emulator:TimeScale?)")]
    [InlineData("ConnectionString:Redis", "ConnectionString:Redis is not a setting of the gateway (did you mean ConnectionStrings:Redis?)")]
    public void An_unknown_key_is_named_with_the_key_meant_when_one_is_close(string key, string line)
    {
        var found = Assert.Single(UnknownSettings.Find([key]));

        Assert.StartsWith(line, found, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GraphQL:Http:EnableIDE")]
    [InlineData("connectionstrings:redis")]
    [InlineData("gateway:cache:statusttl")]
    [InlineData("Gateway:Jobs:MaxIdsPerField")]
    [InlineData("Drs:Regions:EU-NL:DefaultProjectId")]
    [InlineData("Gateway:Security:Cors:AllowedOrigins:3")]
    [InlineData("Drs:Resilience:CircuitBreaker:BreakDuration")]
    [InlineData("Logging:LogLevel:Nonsense")]
    [InlineData("Kestrel:Endpoints:Http:Url")]
    [InlineData("Gateways2:Anything")]
    [InlineData("Dsr")]
    [InlineData("ConnectionStrings:Redis")]
    [InlineData("AllowedHosts")]
    public void Keys_the_binder_reads_and_keys_outside_our_sections_pass(string key)
    {
        Assert.Empty(UnknownSettings.Find([key]));
    }

    /// <summary>Keys in a text: <c>Gateway:Cache:Enabled</c>, <c>Gateway__Cache__Enabled</c>; a placeholder segment (<c>&lt;name&gt;</c>) stands for any name.</summary>
    private static IEnumerable<string> KeysIn(string text) =>
        Key().Matches(text).Select(match => match.Value.Replace("__", ":", StringComparison.Ordinal).TrimEnd('.', ':', '-', '<'))
            .Where(key => key.Contains(':', StringComparison.Ordinal) && !key.Contains("::", StringComparison.Ordinal));

    private static void Flatten(JsonElement element, string prefix, List<string> keys)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten(property.Value, prefix.Length == 0 ? property.Name : $"{prefix}:{property.Name}", keys);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, $"{prefix}:{index++}", keys);
                }

                if (index == 0)
                {
                    keys.Add(prefix);
                }

                break;
            default:
                keys.Add(prefix);
                break;
        }
    }

    private static bool Tracked(string file) =>
        !file.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "node_modules" or ".git" or "results");

    [GeneratedRegex(@"(?<![A-Za-z0-9_.])(Gateway|Drs|GraphQL|Emulator)(:|__)[A-Za-z0-9_<>.-]+((:|__)[A-Za-z0-9_<>.-]+)*", RegexOptions.CultureInvariant)]
    private static partial Regex Key();
}
