using DrsGraph.Gateway.Limits;
using DrsGraph.Gateway.Tests.Faults;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Tests.Hosting;

/// <summary>Every query limit is read from <c>Gateway:Limits</c>; the old <c>Gateway:Jobs:MaxIdsPerField</c> still counts.</summary>
public sealed class QueryLimitConfigurationTests
{
    [Theory]
    [InlineData(null, null, 500)]
    [InlineData("7", null, 7)]
    [InlineData(null, "9", 9)]
    [InlineData("7", "9", 7)]
    public void Max_ids_per_field_is_read_from_the_limits_section_and_the_old_jobs_key_still_counts(string? newKey, string? oldKey, int expected)
    {
        var limits = LimitsWith(("Gateway:Limits:MaxIdsPerField", newKey), ("Gateway:Jobs:MaxIdsPerField", oldKey));

        Assert.Equal(expected, limits.MaxIdsPerField);
    }

    [Fact]
    public void An_out_of_range_old_key_is_refused_like_the_new_one()
    {
        var error = Assert.Throws<OptionsValidationException>(() => LimitsWith(("Gateway:Jobs:MaxIdsPerField", "0")));

        Assert.Contains("MaxIdsPerField", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_old_jobs_key_still_limits_the_ids_of_one_jobs_field()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(null, ("Gateway:Jobs:MaxIdsPerField", "2")));
        var ids = string.Join(", ", Enumerable.Range(0, 3).Select(i => $"\"00000000-0000-0000-0000-{i:x8}jb00\""));

        var answer = await rig.QueryAsync($"{{ jobs(ids: [{ids}]) {{ id }} }}");

        Assert.Equal("TOO_MANY_JOB_IDS", Assert.Single(answer.Codes));
    }

    private static QueryLimitOptions LimitsWith(params (string Key, string? Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Test" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings.Where(s => s.Value is not null).Select(s => KeyValuePair.Create(s.Key, s.Value)));
        builder.AddQueryLimits();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<QueryLimitOptions>>().Value;
    }
}
