using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Contract;

/// <summary>The SDL checked in under schema/ is the contract: it must equal what the gateway serves.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class SchemaContractTests(GatewayFixture fixture)
{
    [Fact]
    public async Task The_checked_in_schema_equals_the_served_schema()
    {
        var path = Path.Combine(Repository.Root, "schema", "schema.graphql");
        var served = Normalize(await fixture.Client.GetStringAsync("/graphql?sdl"));
        Assert.Contains("type Job {", served, StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("UPDATE_SCHEMA") == "1")
        {
            await File.WriteAllTextAsync(path, served);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run the tests once with UPDATE_SCHEMA=1 and commit it.");
        Assert.True(
            Normalize(await File.ReadAllTextAsync(path)) == served,
            $"schema/schema.graphql differs from the served schema. If the change is intended, run `UPDATE_SCHEMA=1 dotnet test` and commit the file. Served:\n{served}");
    }

    private static string Normalize(string sdl) => sdl.Replace("\r\n", "\n", StringComparison.Ordinal).Trim() + "\n";
}
