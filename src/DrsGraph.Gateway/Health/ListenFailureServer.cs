using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// Kestrel (the gateway's <see cref="IServer"/>), telling <paramref name="failed"/> when it cannot bind the gateway's
/// own addresses, before the host hears of it: the host then logs "Hosting failed to start" with a stack trace,
/// which <see cref="GatewayLifetime"/> silences for this failure, and names the address and setting in one line.
/// </summary>
internal sealed class ListenFailureServer(IServer kestrel, Action<Exception> failed) : IServer
{
    public IFeatureCollection Features => kestrel.Features;

    public async Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        try
        {
            await kestrel.StartAsync(application, cancellationToken);
        }
        catch (Exception ex) when (GatewayListenAddresses.ReasonOf(ex) is not null)
        {
            failed(ex);
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => kestrel.StopAsync(cancellationToken);

    public void Dispose() => kestrel.Dispose();
}
