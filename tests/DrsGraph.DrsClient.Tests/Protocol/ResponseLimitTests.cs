using System.Net.Http.Json;
using DrsGraph.DrsClient.Tests.Infrastructure;
using DrsGraph.DrsClient.Wire;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace DrsGraph.DrsClient.Tests.Protocol;

/// <summary>What the client reads from DRS is bounded: the whole answer, and every string kept from it.</summary>
public sealed class ResponseLimitTests(EmulatorFixture emulator, ITestOutputHelper output) : EmulatorTest(emulator)
{
    private const string A = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private static readonly DrsCaller StubCaller = new("stub-token-1b2c", EmulatorFixture.DemoProject, "en-us");

    [Fact]
    public async Task The_default_answer_cap_is_many_times_a_full_batch_detail_page_of_one_hundred_jobs()
    {
        var jobs = await Control.CreateJobsAsync(100, status: "FULL_TRANSFER_STARTED");
        using var http = new HttpClient { BaseAddress = Emulator.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v3/{EmulatorFixture.DemoProject}/jobs/batch-detail")
        {
            Content = JsonContent.Create(new { jobs = jobs.Select(j => j.Id).ToArray(), page_req = new { cur_page = 1, per_page = 100 } }),
        };
        request.Headers.Add("X-Auth-Token", EmulatorFixture.DemoToken);

        using var response = await http.SendAsync(request);
        var page = await response.Content.ReadAsByteArrayAsync();

        response.EnsureSuccessStatusCode();
        output.WriteLine($"batch-detail, 100 jobs: {page.Length} bytes; default cap {DrsClientOptions.DefaultMaxResponseBytes} bytes");
        Assert.True(page.Length * 10 <= DrsClientOptions.DefaultMaxResponseBytes, $"a full page is {page.Length} bytes");
        Assert.Equal(DrsClientOptions.DefaultMaxResponseBytes, NewHost().Services.GetRequiredService<IOptions<DrsClientOptions>>().Value.MaxResponseBytes);
        var batch = await NewClient().GetDetailsAsync(Caller, jobs.Select(j => j.Id));
        Assert.All(batch.Results.Values, r => Assert.True(r.IsSuccess));
    }

    [Fact]
    public async Task A_chunked_answer_over_the_configured_cap_fails_its_call_once_as_response_too_large()
    {
        await using var stub = await StubDrs.StartAsync(async (_, context) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"count":1,"results":[{"id":"{{A}}","name":""" + "\"", context.RequestAborted);
            for (var i = 0; i < 20; i++)
            {
                await context.Response.WriteAsync(new string('n', 8192), context.RequestAborted);
            }

            await context.Response.WriteAsync("\"}]}", context.RequestAborted);
        });
        await using var host = ClientHost.Create(stub.BaseAddress, new Dictionary<string, string?> { ["Drs:MaxResponseBytes"] = "65536" });

        var batch = await host.Client.GetDetailsAsync(StubCaller, [A]);

        Assert.Equal(DrsErrorKind.Protocol, batch[A].Error?.Kind);
        Assert.Equal(DrsErrorCodes.ResponseTooLarge, batch[A].Error?.Code);
        Assert.Single(stub.Requests);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_answer_sent_in_small_pieces_is_read_whole_with_or_without_a_declared_length(bool declared)
    {
        // The body is read into a buffer sized from Content-Length when DRS sends one, grown otherwise: many
        // times the first buffer, in pieces, must still arrive byte for byte.
        var name = string.Concat(Enumerable.Repeat("0123456789abcdef", 6000));
        var json = System.Text.Encoding.UTF8.GetBytes($$"""{"count":1,"results":[{"id":"{{A}}","name":"{{name[..4000]}}","description":"{{name}}","status":"CONFIGURATION"}]}""");
        await using var stub = await StubDrs.StartAsync(async (_, context) =>
        {
            context.Response.ContentType = "application/json";
            if (declared)
            {
                context.Response.ContentLength = json.Length;
            }

            for (var offset = 0; offset < json.Length; offset += 7000)
            {
                await context.Response.Body.WriteAsync(json.AsMemory(offset, Math.Min(7000, json.Length - offset)), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });
        await using var host = ClientHost.Create(stub.BaseAddress);

        var job = (await host.Client.GetDetailsAsync(StubCaller, [A]))[A].Value!;

        Assert.Equal(name[..4000], job.Name);
        Assert.Equal(BoundedStringConverter.Bound(name), job.Description);
        Assert.Equal("CONFIGURATION", job.Status);
    }

    [Fact]
    public async Task Every_string_kept_from_drs_is_cut_at_the_documented_length_without_splitting_a_character()
    {
        // Emoji are surrogate pairs: a cut through the middle of one would leave text no writer accepts.
        var longName = string.Concat(Enumerable.Repeat("\U0001F600", 5000));
        await using var stub = await StubDrs.StartAsync((_, context) => StubDrs.WriteAsync(context, 200,
            $$"""{"count":1,"results":[{"id":"{{A}}","name":"{{longName}}","description":"short","status":"CONFIGURATION"}]}"""));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var job = (await host.Client.GetDetailsAsync(StubCaller, [A]))[A].Value!;

        Assert.InRange(job.Name!.Length, BoundedStringConverter.MaxLength - 1, BoundedStringConverter.MaxLength);
        Assert.EndsWith(BoundedStringConverter.TruncationMarker, job.Name, StringComparison.Ordinal);
        Assert.False(char.IsHighSurrogate(job.Name[^(BoundedStringConverter.TruncationMarker.Length + 1)]));
        Assert.Equal("short", job.Description);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1000")]
    public async Task A_cap_too_small_for_any_answer_stops_the_host(string value)
    {
        await using var host = ClientHost.Create(new Uri("http://127.0.0.1:1/"), new Dictionary<string, string?> { ["Drs:MaxResponseBytes"] = value });

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<DrsClientOptions>>().Value);
        Assert.Contains("MaxResponseBytes", error.Message, StringComparison.Ordinal);
    }
}
