namespace DrsGraph.Gateway.Health;

/// <summary>
/// The lifetime of a host that runs inside the gateway's process and is started and stopped by the gateway
/// (the embedded DRS emulator, start-up's copies of the gateway). The default console lifetime registers its own
/// SIGTERM/SIGINT/SIGQUIT handlers while the inner host runs, and they cancel the signal's default action while
/// only asking that inner host to stop: a pod told to stop during the start-up warm-up went on to start and serve.
/// Signals belong to the gateway's process (<see cref="GatewayLifetime"/>).
/// </summary>
internal sealed class InnerHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
