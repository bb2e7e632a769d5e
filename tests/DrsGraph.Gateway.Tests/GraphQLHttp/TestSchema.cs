using GraphQL;
using GraphQL.Types;

namespace DrsGraph.Gateway.Tests.GraphQLHttp;

/// <summary>
/// The tiny schema the endpoint tests run against:
/// <c>type Query { hello(name: String): String  boom: String  slow: String  caller: String }  type Mutation { bump: Int }</c>.
/// </summary>
public sealed class TestSchema : Schema
{
    public TestSchema(IServiceProvider services, TestProbe probe)
        : base(services)
    {
        Query = new TestQuery(probe);
        Mutation = new TestMutation(probe);
    }
}

/// <summary>Lets tests observe what the resolvers did.</summary>
public sealed class TestProbe
{
    private int _bumps;

    public int Bumps => Volatile.Read(ref _bumps);

    public TaskCompletionSource SlowStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource SlowCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Bump() => Interlocked.Increment(ref _bumps);
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
