namespace DrsGraph.Gateway.Health;

/// <summary>
/// The lifetime of a host that runs inside the gateway's process and is started and stopped by the gateway
/// (the embedded DRS emulator, start-up's copies of the gateway). The default console lifetime would register
/// its own SIGTERM/SIGINT handler while the inner host runs and cancel the signal's default action, so a stop
/// signal would stop nothing but an inner host: a pod told to stop during the warm-up went on to start, and on a
/// normal stop the emulator could leave before the gateway's in-flight requests had drained. Signals belong to
/// the gateway's own host (and, before it starts, to <see cref="WarmUpCopy"/>).
/// </summary>
internal sealed class InnerHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
