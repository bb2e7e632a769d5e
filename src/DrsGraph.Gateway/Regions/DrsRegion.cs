namespace DrsGraph.Gateway.Regions;

/// <summary>A DRS region callers may pick.</summary>
/// <param name="Name">Its configured name, as callers spell it in <c>X-Drs-Region</c> or the <c>region</c> argument.</param>
/// <param name="Endpoint">Its DRS base URL; null for the default region, whose endpoint is the client's own (<c>Drs:Endpoint</c> or the embedded emulator).</param>
/// <param name="DefaultProjectId">The project read when the caller names none.</param>
public sealed record DrsRegion(string Name, Uri? Endpoint, string DefaultProjectId)
{
    public bool IsDefault => Endpoint is null;
}
