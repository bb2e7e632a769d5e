using DrsGraph.DrsClient.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace DrsGraph.DrsClient.Tests.Registration;

public sealed class RegistrationTests
{
    [Fact]
    public async Task Without_an_endpoint_the_client_cannot_be_created_and_says_which_setting_is_missing()
    {
        await using var host = ClientHost.Create(endpoint: null);

        var error = Assert.Throws<InvalidOperationException>(() => host.Client);

        Assert.Contains("Drs:Endpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_supplied_endpoint_provider_wins_over_configuration()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddSingleton<IDrsEndpointProvider>(new FixedEndpoint(new Uri("http://127.0.0.1:1/drs")));
        services.AddDrsClient();
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(typeof(IDrsClient).Name);

        Assert.Equal(new Uri("http://127.0.0.1:1/drs/"), client.BaseAddress);
    }

    [Theory]
    [InlineData("Drs:PageSize", "0")]
    [InlineData("Drs:PageSize", "101")]
    [InlineData("Drs:ChunkSize", "0")]
    [InlineData("Drs:MaxConcurrentChunks", "0")]
    [InlineData("Drs:ListPageSize", "0")]
    [InlineData("Drs:ListPageSize", "101")]
    [InlineData("Drs:ListMaxJobs", "0")]
    public async Task Out_of_range_options_fail_validation(string key, string value)
    {
        await using var host = ClientHost.Create(new Uri("http://127.0.0.1:1"), new Dictionary<string, string?> { [key] = value });

        Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<DrsClientOptions>>().Value);
    }

    [Fact]
    public async Task Defaults_are_the_documented_ones_and_configuration_overrides_them()
    {
        await using var host = ClientHost.Create(new Uri("http://127.0.0.1:1"), new Dictionary<string, string?>
        {
            ["Drs:Resilience:Retry:MaxRetryAttempts"] = "5",
        });
        var monitor = host.Services.GetRequiredService<IOptionsMonitor<HttpStandardResilienceOptions>>();

        var resilience = monitor.Get($"{typeof(IDrsClient).Name}-standard");
        var drs = host.Services.GetRequiredService<IOptions<DrsClientOptions>>().Value;

        Assert.Equal(100, drs.PageSize);
        Assert.Equal(100, drs.ChunkSize);
        Assert.Equal(5, resilience.Retry.MaxRetryAttempts);
        Assert.Equal(DrsResilienceDefaults.RetryDelay, resilience.Retry.Delay);
        Assert.True(resilience.Retry.ShouldRetryAfterHeader);
        Assert.Equal(DrsResilienceDefaults.AttemptTimeout, resilience.AttemptTimeout.Timeout);
        Assert.Equal(DrsResilienceDefaults.TotalTimeout, resilience.TotalRequestTimeout.Timeout);
        Assert.Equal(DrsResilienceDefaults.FailureRatio, resilience.CircuitBreaker.FailureRatio);
        Assert.Equal(DrsResilienceDefaults.BreakDuration, resilience.CircuitBreaker.BreakDuration);
    }

    [Fact]
    public async Task A_sampling_duration_under_twice_the_attempt_timeout_is_rejected()
    {
        await using var host = ClientHost.Create(new Uri("http://127.0.0.1:1"), new Dictionary<string, string?>
        {
            ["Drs:Resilience:CircuitBreaker:SamplingDuration"] = "00:00:04",
        });
        var monitor = host.Services.GetRequiredService<IOptionsMonitor<HttpStandardResilienceOptions>>();

        Assert.Throws<OptionsValidationException>(() => monitor.Get($"{typeof(IDrsClient).Name}-standard"));
        Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
    }

    [Fact]
    public async Task The_appsettings_snippet_from_the_readme_binds_and_passes_validation()
    {
        const string snippet = """
            {
              "Drs": {
                "Endpoint": "http://127.0.0.1:1",
                "ProjectId": "054ba152d480d55b2f5dc0069e7ddef0",
                "ChunkSize": 100,
                "PageSize": 100,
                "MaxConcurrentChunks": 4,
                "Resilience": {
                  "Retry": { "MaxRetryAttempts": 3, "BackoffType": "Exponential", "UseJitter": true, "Delay": "00:00:00.200", "MaxDelay": "00:00:04", "ShouldRetryAfterHeader": true },
                  "AttemptTimeout": { "Timeout": "00:00:03" },
                  "TotalRequestTimeout": { "Timeout": "00:00:08" },
                  "CircuitBreaker": { "FailureRatio": 0.5, "MinimumThroughput": 10, "SamplingDuration": "00:00:30", "BreakDuration": "00:00:15" }
                }
              }
            }
            """;
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(snippet))).Build());
        services.AddLogging();
        services.AddDrsClient();
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        var resilience = provider.GetRequiredService<IOptionsMonitor<HttpStandardResilienceOptions>>().Get($"{typeof(IDrsClient).Name}-standard");

        Assert.Equal(TimeSpan.FromSeconds(4), resilience.Retry.MaxDelay);
        Assert.Equal(10, resilience.CircuitBreaker.MinimumThroughput);
        Assert.NotNull(provider.GetRequiredService<IDrsClient>());
    }

    private sealed class FixedEndpoint(Uri uri) : IDrsEndpointProvider
    {
        public Uri BaseAddress => uri;
    }
}
