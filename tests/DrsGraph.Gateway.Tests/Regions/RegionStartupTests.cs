using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Regions;

/// <summary>Every <c>Drs:Regions:&lt;name&gt;</c> is checked at start-up like <c>Drs:Endpoint</c>; a bad one stops start-up naming it.</summary>
public sealed class RegionStartupTests
{
    [Theory]
    [InlineData("eu-nl", "Endpoint", "notaurl", "Development", "Drs:Regions:eu-nl:Endpoint 'notaurl' is not an absolute http(s) URL")]
    [InlineData("eu-nl", "Endpoint", "ftp://drs.example.com", "Development", "Drs:Regions:eu-nl:Endpoint 'ftp://drs.example.com' is not an absolute http(s) URL")]
    [InlineData("eu-nl", "Endpoint", "http://drs.example.com", "Production", "Drs:Regions:eu-nl:AllowInsecureEndpoint")]
    [InlineData("eu-nl", "DefaultProjectId", "0a1b2c3d", "Development", "Drs:Regions:eu-nl:Endpoint is not set")]
    [InlineData("default", "Endpoint", "https://drs.eu-nl.otc.t-systems.com", "Development", "Drs:Regions:default has the default region's name")]
    [InlineData("eu nl!", "Endpoint", "https://drs.eu-nl.otc.t-systems.com", "Development", "is not a region name")]
    public void A_bad_region_stops_start_up_naming_the_setting(string region, string key, string value, string environment, string reason)
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder()
            .WithSettings(new Dictionary<string, string?>
            {
                ["environment"] = environment,
                ["Drs:Endpoint"] = "https://drs.eu-de.otc.t-systems.com",
                [$"Drs:Regions:{region}:{key}"] = value,
            })
            .Start());

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DefaultProjectId", "not a project!")]
    [InlineData("TotalTimeout", "00:00:00.010")]
    [InlineData("TotalTimeout", "00:10:00")]
    public void A_bad_setting_of_a_region_stops_start_up_naming_it(string key, string value)
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder()
            .WithSettings(new Dictionary<string, string?>
            {
                ["Drs:Endpoint"] = "https://drs.eu-de.otc.t-systems.com",
                ["Drs:Regions:eu-nl:Endpoint"] = "https://drs.eu-nl.otc.t-systems.com",
                [$"Drs:Regions:eu-nl:{key}"] = value,
            })
            .Start());

        Assert.Contains($"Drs:Regions:eu-nl:{key}", error.Message, StringComparison.Ordinal);
    }
}
