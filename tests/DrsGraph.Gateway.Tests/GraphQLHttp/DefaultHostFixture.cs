namespace DrsGraph.Gateway.Tests.GraphQLHttp;

/// <summary>One endpoint with default options, shared by the tests of a class.</summary>
public sealed class DefaultHostFixture : IAsyncLifetime
{
    public GraphQLHttpTestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await GraphQLHttpTestHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
