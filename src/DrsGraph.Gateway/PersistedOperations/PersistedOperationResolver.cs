using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.GraphQLHttp;
using DrsGraph.Gateway.Observability;
using GraphQL;
using GraphQL.Transport;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.PersistedOperations;

/// <summary>
/// The one place an operation's text is decided, for every transport (POST, GET, batches, SSE, WebSocket):
/// a trusted document by id (<c>id</c>, <c>documentId</c>, <c>doc_id</c>), an automatic persisted query by
/// <c>extensions.persistedQuery.sha256Hash</c> (looked up, or registered with its text), or the text as sent.
/// In trusted-only mode anything that is not a trusted document is refused here, before parsing.
/// </summary>
public sealed partial class PersistedOperationResolver(
    IOptions<PersistedOperationsOptions> options,
    TrustedDocuments trusted,
    MemoryPersistedQueryStore memory,
    PersistedOperationsMetrics metrics,
    ILogger<PersistedOperationResolver> logger,
    RedisPersistedQueryStore? redis = null,
    RegistrationQuota? quota = null)
{
    private readonly PersistedOperationsOptions _options = options.Value;

    /// <summary>The <c>max-age</c> for successful GET queries; zero when off.</summary>
    public TimeSpan GetMaxAge => _options.GetMaxAge;

    public async ValueTask<PersistedResolution> ResolveAsync(HttpContext context, GraphQLRequest request, CancellationToken cancellationToken)
    {
        if (request.DocumentId is { } id)
        {
            return ResolveTrustedId(request, id);
        }

        if (request.Extensions is { } extensions && extensions.TryGetValue("persistedQuery", out var persisted))
        {
            return await ResolveAutomaticAsync(context, request, persisted, cancellationToken);
        }

        if (request.Query is null)
        {
            return Refuse(GatewayErrorCodes.PersistedQueryInvalid, "The 'query' parameter is required (or 'id', or extensions.persistedQuery).");
        }

        if (_options.OnlyTrustedDocuments && !trusted.TryGetByHash(PersistedQueryHash.Of(request.Query), out _) && !AllowedAsIde(context))
        {
            return Refuse(GatewayErrorCodes.OperationNotTrusted, "This gateway runs only trusted documents; send a trusted document's id.");
        }

        return new(request, null);
    }

    private PersistedResolution ResolveTrustedId(GraphQLRequest request, string id)
    {
        if (!trusted.TryGetById(id, out var document))
        {
            metrics.Miss();
            return Refuse(GatewayErrorCodes.PersistedDocumentNotFound, $"No trusted document has the id '{CallerText.Excerpt(id, 100)}'.");
        }

        if (request.Query is { Length: > 0 } && request.Query != document)
        {
            return Refuse(GatewayErrorCodes.PersistedQueryInvalid, $"The request sends both the id '{CallerText.Excerpt(id, 100)}' and a different document text; send one of them.");
        }

        metrics.Hit("trusted");
        return new(With(request, document), null);
    }

    // Exactly Apollo Server's messages: urql's persisted exchange (and older Apollo clients) compare the message itself,
    // not extensions.code, and with any other text never sent the query text (the README says what to do instead).
    private const string PersistedQueryNotFoundMessage = "PersistedQueryNotFound";
    private const string PersistedQueryNotSupportedMessage = "PersistedQueryNotSupported";

    private async ValueTask<PersistedResolution> ResolveAutomaticAsync(HttpContext context, GraphQLRequest request, object? persisted, CancellationToken cancellationToken)
    {
        var hash = persisted is IReadOnlyDictionary<string, object?> fields
            && fields.TryGetValue("version", out var version) && IsVersionOne(version)
            && fields.TryGetValue("sha256Hash", out var hashValue) && hashValue is string given && PersistedQueryHash.IsWellFormed(given)
                ? given
                : null;

        // A trusted document's hash always hits, automatic persisted queries or not: only other hashes are refused.
        if (!_options.EnableAutomatic && (hash is null || !trusted.TryGetByHash(hash, out _)))
        {
            // Apollo Client stops sending hashes once it sees this code.
            return Refuse(GatewayErrorCodes.PersistedQueryNotSupported, PersistedQueryNotSupportedMessage);
        }

        if (hash is null)
        {
            return Refuse(GatewayErrorCodes.PersistedQueryInvalid, "extensions.persistedQuery must be { \"version\": 1, \"sha256Hash\": \"<64 hex digits>\" }.");
        }

        // An empty text is no text (Apollo Server's reading): clients that send "query": "" with a hash mean the hash.
        if (request.Query is { Length: > 0 } text)
        {
            // Registration: the text must be what the hash says, or one client could plant a document under another's hash.
            if (!string.Equals(PersistedQueryHash.Of(text), hash, StringComparison.OrdinalIgnoreCase))
            {
                return Refuse(GatewayErrorCodes.PersistedQueryHashMismatch, "The query text does not have the SHA-256 hash given in extensions.persistedQuery.sha256Hash.");
            }

            if (trusted.TryGetByHash(hash, out _))
            {
                metrics.Hit("trusted");
                return new(request, null);
            }

            if (_options.OnlyTrustedDocuments)
            {
                if (AllowedAsIde(context))
                {
                    return new(request, null);
                }

                return Refuse(GatewayErrorCodes.OperationNotTrusted, "This gateway runs only trusted documents; this hash is not one of them.");
            }

            if (text.Length > _options.MaxStoredDocumentLength)
            {
                // Runs, but is not kept: a few such texts would fill the store.
                metrics.NotStored("too_long");
                return new(request, null);
            }

            // Stored only once it has parsed and validated (RegisterAsync, called by the executor), as Apollo Server does:
            // a text that is no operation of this schema (random bytes under their hash) fills no store.
            return new(request, null, new PersistedRegistration(hash, text));
        }

        if (trusted.TryGetByHash(hash, out var document))
        {
            metrics.Hit("trusted");
            return new(With(request, document), null);
        }

        if (!_options.OnlyTrustedDocuments)
        {
            if (memory.TryGet(hash, out document))
            {
                metrics.Hit("memory");
                return new(With(request, document), null);
            }

            if (redis is not null && await redis.GetAsync(hash, cancellationToken) is { } shared)
            {
                // Redis is shared and outside the process: what it holds under a hash runs only if it has that hash, as a
                // registration had to (a text written there by hand ran for every client asking by the hash).
                if (!string.Equals(PersistedQueryHash.Of(shared), hash, StringComparison.OrdinalIgnoreCase))
                {
                    LogSharedMismatch(logger, CallerText.Excerpt(hash, 64));
                    return Refuse(GatewayErrorCodes.PersistedQueryNotFound, PersistedQueryNotFoundMessage);
                }

                memory.Set(hash, shared);
                metrics.Hit("redis");
                return new(With(request, shared), null);
            }
        }

        metrics.Miss();
        if (_options.OnlyTrustedDocuments && !AllowedAsIde(context))
        {
            // Not "send the text to register it": the text would be refused too (an APQ client sends it on NOT_FOUND).
            return Refuse(GatewayErrorCodes.OperationNotTrusted, "This gateway runs only trusted documents; this hash is not one of them.");
        }

        LogNotFound(logger, hash);
        return Refuse(GatewayErrorCodes.PersistedQueryNotFound, PersistedQueryNotFoundMessage);
    }

    /// <summary>
    /// Stores an automatic persisted query whose document parsed and validated, in memory and in Redis when configured,
    /// if its caller and address are within their registration quota (<see cref="RegistrationQuota"/>; a document this
    /// replica already holds costs nothing: registering it again only renews it).
    /// </summary>
    public async Task RegisterAsync(HttpContext context, PersistedRegistration registration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(registration);
        if (quota is not null && !memory.TryGet(registration.Hash, out _) && quota.TryCharge(context, registration.Document.Length) is { } spent)
        {
            metrics.NotStored("quota");
            LogQuotaSpent(logger, CallerText.Excerpt(registration.Hash, 64), spent);
            return;
        }

        memory.Set(registration.Hash, registration.Document);
        if (redis is not null)
        {
            await redis.SetAsync(registration.Hash, registration.Document, cancellationToken);
        }

        metrics.Stored();
    }

    /// <summary>
    /// A request of the gateway's own Banana Cake Pop page. The IDE's requests carry no Referer naming the page: its page
    /// sends none (Referrer-Policy: no-referrer), its web worker's name the worker's script (under the endpoint's
    /// static assets), and a WebSocket upgrade never carries one. What a browser does send, and a page cannot forge,
    /// is <c>Sec-Fetch-Site</c> on its fetches (same-origin from the IDE) and <c>Origin</c> on a WebSocket upgrade
    /// (Chromium sends no fetch metadata there); the gateway serves no page but the IDE's, so its own origin is the
    /// IDE (a deployment that puts other pages on the gateway's origin lets them in too; README). Without either, as
    /// from a browser without fetch metadata, a Referer on the same host naming the endpoint or a path below it. Any
    /// client that is not a browser can send all three, which is why
    /// <see cref="PersistedOperationsOptions.AllowUntrustedFromIde"/> is a convenience, not a boundary.
    /// </summary>
    private bool AllowedAsIde(HttpContext context)
    {
        if (!_options.AllowUntrustedFromIde)
        {
            return false;
        }

        var request = context.Request;
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return string.Equals(site, "same-origin", StringComparison.OrdinalIgnoreCase);
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            return OwnHost.Of(request, origin) is not null;
        }

        if (OwnHost.Of(request, request.Headers.Referer.ToString()) is not { } referer)
        {
            return false;
        }

        var endpoint = (request.PathBase + request.Path).Value?.TrimEnd('/') ?? "";
        var path = referer.AbsolutePath;
        return string.Equals(path.TrimEnd('/'), endpoint, StringComparison.Ordinal) || path.StartsWith(endpoint + "/", StringComparison.Ordinal);
    }

    private PersistedResolution Refuse(string code, string message)
    {
        // A refused persisted operation is the caller's to fix: one line (PERSISTED_QUERY_NOT_FOUND is the protocol's
        // first step, not a fault: logged at Debug where it happens).
        if (code != GatewayErrorCodes.PersistedQueryNotFound)
        {
            LogRefused(logger, code, message);
        }

        metrics.Refused(code);
        return new(null, new ExecutionError(message) { Code = code });
    }

    private static bool IsVersionOne(object? version) => version switch
    {
        int i => i == 1,
        long l => l == 1,
        decimal d => d == 1,
        double d => d == 1,
        System.Numerics.BigInteger b => b == 1,
        _ => false,
    };

    private static GraphQLRequest With(GraphQLRequest request, string document) => new()
    {
        Query = document,
        OperationName = request.OperationName,
        Variables = request.Variables,
        Extensions = request.Extensions,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a persisted operation ({Code}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Persisted query {Hash} ran but was not registered: {Quota}")]
    private static partial void LogQuotaSpent(ILogger logger, string hash, string quota);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Persisted query {Hash} not found; the client is expected to send its text")]
    private static partial void LogNotFound(ILogger logger, string hash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A persisted query in Redis under {Hash} does not have that hash; not run (answered as not found, so the client registers it again)")]
    private static partial void LogSharedMismatch(ILogger logger, string hash);
}
