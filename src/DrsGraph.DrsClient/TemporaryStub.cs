using Microsoft.Extensions.DependencyInjection;

namespace DrsGraph.DrsClient;

// TEMPORARY: replaced by the real client at merge.
public static class TemporaryStub
{
    public static IHttpClientBuilder AddDrsClient(this IServiceCollection services) => services.AddHttpClient<IDrsClient, StubClient>();
}

internal sealed class StubClient(HttpClient http) : IDrsClient
{
    public Task<DrsBatch<Wire.JobStatusWire>> GetStatusesAsync(DrsCaller caller, IEnumerable<string> jobIds, CancellationToken cancellationToken = default) => throw new NotSupportedException(http.ToString());
    public Task<DrsBatch<Wire.JobProgressWire>> GetProgressAsync(DrsCaller caller, IEnumerable<string> jobIds, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<DrsBatch<Wire.JobDetailWire>> GetDetailsAsync(DrsCaller caller, IEnumerable<string> jobIds, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
