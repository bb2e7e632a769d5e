using DrsGraph.Gateway.GraphQLSchema;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.Tests.Faults;
using DrsGraph.Gateway.Subscriptions;
using DrsGraph.Gateway.Tests.Infrastructure;
using GraphQL;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.Gateway.Tests.Subscriptions;

/// <summary>
/// An emulator (frozen clock, two known tokens) and a gateway in front of it, both on real Kestrel, with
/// fast subscription ticks. Subscriptions run in-process through the gateway's own executer and services,
/// as a transport would run them: no transport is needed to test what they produce.
/// </summary>
public class SubscriptionRig : IAsyncLifetime
{
    public const string Token = "subscriptions-token";
    public const string OtherToken = "subscriptions-other-token";
    public const string RefusedToken = "subscriptions-refused-token";
    public const string Project = GatewayFixture.DemoProject;

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 15, 8, 0, 0, TimeSpan.Zero));

    public TestEmulator Emulator { get; private set; } = null!;

    public HttpClient EmulatorClient => Emulator.Control;

    public GatewayHost Gateway { get; private set; } = null!;

    /// <summary>An HTTP client of the gateway, for ordinary queries next to the subscriptions.</summary>
    public HttpClient Client => Gateway.Client;

    public IServiceProvider Services => Gateway.Services;

    public JobUpdateHub Hub => Services.GetRequiredService<JobUpdateHub>();

    /// <summary>Settings on top of the rig's own (fast ticks, 30 jobs per subscription, 5000 per caller).</summary>
    protected virtual IEnumerable<(string Key, string? Value)> Settings => [];

    /// <summary>Emulator settings on top of the rig's own (more projects for its tokens, ...).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> EmulatorSettings => [];

    /// <summary>Services on top of the gateway's own (e.g. a hosted service that holds the shutdown open).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Runs before the emulator and gateway start (a Redis to point them at, ...).</summary>
    protected virtual Task BeforeStartAsync() => Task.CompletedTask;

    /// <summary>Runs after the emulator and gateway stopped.</summary>
    protected virtual Task AfterStopAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        await BeforeStartAsync();
        // Any other token (RefusedToken) gets DRS's 401.
        Emulator = await TestEmulator.StartAsync(Time, new Dictionary<string, string?>(EmulatorSettings)
        {
            [$"Emulator:Tenants:{Token}:0"] = Project,
            [$"Emulator:Tenants:{OtherToken}:0"] = Project,
        });
        Gateway = await GatewayHost.Builder()
            .WithEmulator(Emulator)
            .WithSettings(GatewayRig.With(
                GatewayRig.FastFaults,
                [
                    ("Gateway:Subscriptions:MinTick", "00:00:00.050"),
                    ("Gateway:Subscriptions:MaxTick", "00:00:00.200"),
                    ("Gateway:Subscriptions:MaxJobsPerSubscription", "30"),
                    ("Gateway:Subscriptions:MaxJobsPerCaller", "5000"),
                    .. Settings,
                ]))
            .WithServices(ConfigureServices)
            .CaptureLogs()
            .StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Emulator.DisposeAsync();
        await AfterStopAsync();
    }

    /// <summary>Executes a subscription operation as a transport would, with the caller's headers; subscribes to its stream if it has one.</summary>
    public Task<SubscriptionUnderTest> SubscribeAsync(string query, object? variables = null, string? token = Token, string? project = null) =>
        SubscribeAsync(Services, query, variables, token, project);

    /// <summary>Executes a subscription operation on the gateway whose services are <paramref name="services"/> (one replica of several).</summary>
    public static async Task<SubscriptionUnderTest> SubscribeAsync(IServiceProvider services, string query, object? variables = null, string? token = Token, string? project = null)
    {
        var headers = new HeaderDictionary();
        if (token is not null)
        {
            headers[CallerContextBuilder.AuthTokenHeader] = token;
        }

        if (project is not null)
        {
            headers[CallerContextBuilder.ProjectIdHeader] = project;
        }

        var caller = services.GetRequiredService<CallerContextBuilder>().Build(headers);
        var serializer = services.GetRequiredService<IGraphQLTextSerializer>();
        using var scope = services.CreateScope();
        var result = await services.GetRequiredService<IDocumentExecuter<JobSchema>>().ExecuteAsync(new ExecutionOptions
        {
            Query = query,
            Variables = variables is null ? null : serializer.Deserialize<Inputs>(JsonSerializer.Serialize(variables)),
            RequestServices = services,
            // No loaders: a subscription's events resolve from the poll's snapshots.
            UserContext = new GatewayUserContext(caller, null),
        });
        return new SubscriptionUnderTest(result, serializer);
    }

    public async Task<IReadOnlyList<string>> CreateJobsAsync(int count, string status = "FULL_TRANSFER_STARTED", bool frozen = true)
    {
        var response = await EmulatorClient.PostAsJsonAsync("/_emulator/jobs", new { projectId = Project, count, status, frozen });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonObject>();
        return [.. created!["jobs"]!.AsArray().Select(job => job!["id"]!.GetValue<string>())];
    }

    public async Task DeleteJobAsync(string id) => (await EmulatorClient.DeleteAsync($"/_emulator/jobs/{id}")).EnsureSuccessStatusCode();

    public async Task<IReadOnlyList<UpstreamCall>> UpstreamCallsAsync() =>
        (await EmulatorClient.GetFromJsonAsync<UpstreamLog>("/_emulator/requests", JsonSerializerOptions.Web))!.Requests;

    public async Task ClearUpstreamLogAsync() => (await EmulatorClient.DeleteAsync("/_emulator/requests")).EnsureSuccessStatusCode();

    public async Task SetFaultsAsync(object faults) => (await EmulatorClient.PutAsJsonAsync("/_emulator/faults", faults)).EnsureSuccessStatusCode();

    public async Task ClearFaultsAsync() => (await EmulatorClient.DeleteAsync("/_emulator/faults")).EnsureSuccessStatusCode();

    /// <summary>Waits (without asserting any speed) until the pollers have made <paramref name="count"/> more polls.</summary>
    public async Task WaitForTicksAsync(int count)
    {
        var target = Hub.Statistics.Ticks + count;
        await Eventually(() => Hub.Statistics.Ticks >= target, $"{count} more polls");
    }

    /// <summary>Waits until the previous tests' subscriptions (all disposed) have left and their pollers stopped.</summary>
    public Task NoSubscriptionsLeftAsync() =>
        Eventually(() => Hub.Statistics is { Subscriptions: 0, Pollers: 0 }, "the previous tests' subscriptions to end");

    public static async Task Eventually(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"Gave up waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }

    public static string IdList(IEnumerable<string> ids) => GatewayFixture.IdList(ids);
}

/// <summary>One subscription's result: either refused up front (<see cref="Errors"/>) or a stream whose events are collected as JSON.</summary>
public sealed class SubscriptionUnderTest : IObserver<ExecutionResult>, IDisposable
{
    private readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>();
    private readonly IGraphQLTextSerializer _serializer;
    private readonly IDisposable? _subscription;
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SubscriptionUnderTest(ExecutionResult result, IGraphQLTextSerializer serializer)
    {
        _serializer = serializer;
        Result = JsonNode.Parse(serializer.Serialize(result))!.AsObject();
        if (result.Streams is { Count: > 0 } streams)
        {
            _subscription = streams.Values.Single().Subscribe(this);
        }
    }

    /// <summary>The execution result itself (a refusal's errors; nothing else for a started stream).</summary>
    public JsonObject Result { get; }

    public bool Started => _subscription is not null;

    public JsonArray Errors => Result["errors"]?.AsArray() ?? [];

    public bool IsCompleted => _completed.Task.IsCompleted;

    /// <summary>Events received and not yet read.</summary>
    public int Pending => _events.Reader.Count;

    public async Task<JsonObject> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            return await _events.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No event within 60 s.");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException("The stream completed instead of sending an event.");
        }
    }

    public async Task<List<JsonObject>> NextAsync(int count)
    {
        var events = new List<JsonObject>(count);
        for (var i = 0; i < count; i++)
        {
            events.Add(await NextAsync());
        }

        return events;
    }

    public Task CompletedAsync() => _completed.Task.WaitAsync(TimeSpan.FromSeconds(60));

    public void OnNext(ExecutionResult value) => _events.Writer.TryWrite(JsonNode.Parse(_serializer.Serialize(value))!.AsObject());

    public void OnError(Exception error) => _events.Writer.TryWrite(new JsonObject { ["onError"] = error.Message });

    public void OnCompleted()
    {
        _events.Writer.TryComplete();
        _completed.TrySetResult();
    }

    public void Dispose() => _subscription?.Dispose();
}
