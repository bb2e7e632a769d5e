using GraphQL;
using GraphQL.Types;

namespace DrsGraph.Gateway.Tests.GraphQLHttp;

/// <summary>
/// The tiny schema the endpoint tests run against:
/// <c>type Query { hello(name: String): String  boom: String  slow: String  caller: String }  type Mutation { bump: Int }
/// type Subscription { ticks(count: Int!, intervalMs: Int = 10): Int!  padded(count: Int!, intervalMs: Int = 10, padding: Int!): String!
/// forever: Int!  broken: Int! }</c>.
/// </summary>
public sealed class TestSchema : Schema
{
    public TestSchema(IServiceProvider services, TestProbe probe)
        : base(services)
    {
        Query = new TestQuery(probe);
        Mutation = new TestMutation(probe);
        Subscription = new TestSubscription(probe);
    }
}

/// <summary>Lets tests observe what the resolvers did.</summary>
public sealed class TestProbe
{
    private int _bumps;

    public int Bumps => Volatile.Read(ref _bumps);

    public TaskCompletionSource SlowStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource SlowCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _activeStreams;

    public int Bump() => Interlocked.Increment(ref _bumps);

    /// <summary>Observers subscribed to a test stream and not yet disposed.</summary>
    public int ActiveStreams => Volatile.Read(ref _activeStreams);

    /// <summary>Set when a <c>forever</c> subscription is disposed (its client unsubscribed or went away).</summary>
    public TaskCompletionSource ForeverDisposed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal void StreamOpened() => Interlocked.Increment(ref _activeStreams);

    internal void StreamClosed() => Interlocked.Decrement(ref _activeStreams);
}

public sealed class TestQuery : ObjectGraphType
{
    public TestQuery(TestProbe probe)
    {
        Name = "Query";
        Field<StringGraphType>("hello")
            .Argument<StringGraphType>("name")
            .Resolve(context => $"Hello, {context.GetArgument<string?>("name") ?? "world"}!");
        Field<StringGraphType>("boom")
            .Resolve(_ => throw new InvalidOperationException("secret internal detail"));
        Field<StringGraphType>("slow")
            .ResolveAsync(async context =>
            {
                probe.SlowStarted.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    probe.SlowCancelled.TrySetResult();
                    throw;
                }

                return null;
            });
        Field<StringGraphType>("caller")
            .Resolve(context => context.UserContext.TryGetValue("caller", out var caller) ? caller as string : null);
    }
}

public sealed class TestMutation : ObjectGraphType
{
    public TestMutation(TestProbe probe)
    {
        Name = "Mutation";
        Field<IntGraphType>("bump").Resolve(_ => probe.Bump());
    }
}

public sealed class TestSubscription : ObjectGraphType
{
    public TestSubscription(TestProbe probe)
    {
        Name = "Subscription";
        Field<NonNullGraphType<IntGraphType>>("ticks")
            .Argument<NonNullGraphType<IntGraphType>>("count")
            .Argument<IntGraphType>("intervalMs", a => a.DefaultValue = 10)
            .Resolve(context => context.Source)
            .ResolveStream(context => new TestSource(probe, context.GetArgument<int>("count"), TimeSpan.FromMilliseconds(context.GetArgument("intervalMs", 10)), onDisposed: null));
        // Ticks padded to a size: a client that stops reading fills the network buffers within seconds.
        Field<NonNullGraphType<StringGraphType>>("padded")
            .Argument<NonNullGraphType<IntGraphType>>("count")
            .Argument<IntGraphType>("intervalMs", a => a.DefaultValue = 10)
            .Argument<NonNullGraphType<IntGraphType>>("padding")
            .Resolve(context => new string('x', context.GetArgument<int>("padding")) + context.Source)
            .ResolveStream(context => new TestSource(probe, context.GetArgument<int>("count"), TimeSpan.FromMilliseconds(context.GetArgument("intervalMs", 10)), onDisposed: null));
        Field<NonNullGraphType<IntGraphType>>("forever")
            .Resolve(context => context.Source)
            .ResolveStream(_ => new TestSource(probe, count: 1, TimeSpan.Zero, onDisposed: () => probe.ForeverDisposed.TrySetResult(), complete: false));
        Field<NonNullGraphType<IntGraphType>>("broken")
            .Resolve(context => context.Source)
            .ResolveStream(_ => new TestSource(probe, count: 1, TimeSpan.Zero, onDisposed: null, fail: true));
    }
}

/// <summary>
/// Emits 1..count, one per interval, then completes (or stays open, or fails); counts its live observers.
/// </summary>
public sealed class TestSource(TestProbe probe, int count, TimeSpan interval, Action? onDisposed, bool complete = true, bool fail = false) : IObservable<object?>
{
    public IDisposable Subscribe(IObserver<object?> observer)
    {
        probe.StreamOpened();
        var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            try
            {
                for (var i = 1; i <= count; i++)
                {
                    if (interval > TimeSpan.Zero)
                    {
                        await Task.Delay(interval, stop.Token);
                    }

                    observer.OnNext(i);
                }

                if (fail)
                {
                    observer.OnError(new InvalidOperationException("the test stream broke"));
                }
                else if (complete)
                {
                    observer.OnCompleted();
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        return new Unsubscriber(() =>
        {
            stop.Cancel();
            probe.StreamClosed();
            onDisposed?.Invoke();
        });
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
