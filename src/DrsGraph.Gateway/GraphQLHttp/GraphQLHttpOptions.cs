using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>The GraphQL-over-HTTP endpoint's settings, bound from <c>GraphQL:Http</c>.</summary>
public sealed class GraphQLHttpOptions
{
    public const string SectionName = "GraphQL:Http";

    /// <summary>
    /// Most operations one POST may carry as a JSON array. Default 10: enough for a page that batches
    /// its widgets' queries, small enough that one request cannot fan out into hundreds of executions.
    /// </summary>
    [Range(1, 1000)]
    public int MaxBatchSize { get; set; } = 10;

    /// <summary>Whether a POST body may be a JSON array of operations. Default true.</summary>
    public bool EnableBatching { get; set; } = true;

    /// <summary>
    /// Largest request body accepted, in bytes. Default 1 MiB: real queries are a few KB; the limit
    /// stops a client from making us buffer and parse megabytes of JSON.
    /// </summary>
    [Range(1024, 64L * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Largest response written, in bytes; a larger one is replaced by a <c>RESPONSE_TOO_LARGE</c> error. Default
    /// 16 MiB: all fields of 500 jobs are a few MB, the full introspection about 50 KB. The result-size estimate
    /// (<c>Gateway:Limits:MaxResultFields</c>) refuses most oversized queries before they run; this is the
    /// backstop for what it cannot foresee (long DRS strings, long lists), so that no answer costs unbounded
    /// memory to serialize and no client gets a half-written 200.
    /// </summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxResponseBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Refuse cross-site GETs and simple-content-type POSTs unless they carry a preflight header.
    /// Default true. See <see cref="CsrfGuard"/> for why.
    /// </summary>
    public bool CsrfProtection { get; set; } = true;

    /// <summary>Serve the Banana Cake Pop IDE to browsers at GET {endpoint}. Default true.</summary>
    public bool EnableIde { get; set; } = true;

    /// <summary>Serve the schema SDL as text/plain at GET {endpoint}?sdl. Default true.</summary>
    public bool EnableSdl { get; set; } = true;

    /// <summary>
    /// Put exception type and message into the GraphQL error when the transport itself fails
    /// (not resolver errors: those follow the serializer's error-info settings). Default false:
    /// internals stay in the logs, not in client responses.
    /// </summary>
    public bool ExposeExceptionDetails { get; set; }
}
