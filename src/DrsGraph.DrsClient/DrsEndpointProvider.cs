using Microsoft.Extensions.Options;

namespace DrsGraph.DrsClient;

/// <summary>
/// The default <see cref="IDrsEndpointProvider"/>: <c>Drs:Endpoint</c> from configuration. Hosts
/// that start their own upstream (the gateway's embedded emulator) register a replacement first.
/// </summary>
public sealed class ConfiguredDrsEndpointProvider(IOptionsMonitor<DrsClientOptions> options) : IDrsEndpointProvider
{
    public Uri BaseAddress => options.CurrentValue.Endpoint
        ?? throw new InvalidOperationException(
            $"No DRS endpoint: set '{DrsClientOptions.SectionName}:{nameof(DrsClientOptions.Endpoint)}' " +
            $"(e.g. https://drs.eu-de.otc.t-systems.com) or register another {nameof(IDrsEndpointProvider)}.");
}
