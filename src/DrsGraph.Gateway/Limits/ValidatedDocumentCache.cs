using GraphQLParser.AST;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Limits;

/// <summary>
/// Query text to its parsed document, for documents that passed every validation rule once. Frontends send
/// the same few queries over and over (with different variables), and full validation was ~17 % of a warm
/// 20-job request's CPU (bench/README.md). A hit skips parsing and the rules that depend only on the
/// document; the rules that depend on the request (variables, HTTP method) still run: they are in
/// <c>ExecutionOptions.CachedDocumentValidationRules</c>. Documents are shared by concurrent executions,
/// which only read them.
/// </summary>
public sealed class ValidatedDocumentCache : IDisposable
{
    // A document's AST is several times its text (a node of tens of bytes per token), plus the text itself.
    private const int EstimatedBytesPerQueryChar = 16;

    private readonly MemoryCache? _documents;

    public ValidatedDocumentCache(IOptions<QueryLimitOptions> options)
    {
        var megabytes = options.Value.ValidatedDocumentCacheMegabytes;
        _documents = megabytes > 0 ? new MemoryCache(new MemoryCacheOptions { SizeLimit = megabytes * 1024L * 1024L, CompactionPercentage = 0.25 }) : null;
    }

    public GraphQLDocument? Find(string query) =>
        _documents is not null && _documents.TryGetValue(query, out GraphQLDocument? document) ? document : null;

    /// <summary>Remembers a document that passed full validation. One larger than the whole budget is simply not kept.</summary>
    public void Add(string query, GraphQLDocument document) =>
        _documents?.Set(query, document, new MemoryCacheEntryOptions { Size = (long)query.Length * EstimatedBytesPerQueryChar });

    public void Dispose() => _documents?.Dispose();
}
