namespace DrsGraph.Gateway.Errors;

/// <summary>
/// Every <c>extensions.code</c> the gateway raises itself, in one place. Errors DRS reports keep DRS's own
/// code (<c>DRS.M00289</c>, <c>APIGW.0308</c>) so callers can look them up in the DRS documentation.
/// The README's error tables list each of these (a test keeps them in step).
/// </summary>
public static class GatewayErrorCodes
{
    // Callers: decided once per operation from the headers.

    /// <summary>
    /// No <c>X-Auth-Token</c> header, or one that is not a valid IAM token; also DRS's HTTP 401 when its body carries
    /// no DRS code of its own (an HTML or empty body), on the field that needed the job or list.
    /// </summary>
    public const string Unauthenticated = "UNAUTHENTICATED";

    /// <summary>An <c>X-Project-Id</c> header that is not a DRS project ID.</summary>
    public const string InvalidProjectId = "INVALID_PROJECT_ID";

    /// <summary>An <c>X-Language</c> header other than <c>en-us</c> or <c>zh-cn</c>.</summary>
    public const string InvalidLanguage = "INVALID_LANGUAGE";

    /// <summary>An <c>X-Drs-Region</c> header or <c>region</c> argument naming no configured region (<c>Drs:Regions</c>).</summary>
    public const string UnknownRegion = "UNKNOWN_REGION";

    // Service identities (Gateway:ServiceIdentity): decided once per operation, before any DRS call.

    /// <summary>No <c>Authorization: Bearer</c> JWT, or one that fails validation (signature, issuer, audience, expiry, required claim).</summary>
    public const string InvalidBearerToken = "INVALID_BEARER_TOKEN";

    /// <summary>
    /// The caller's claims grant no access to the project it asked for, or the gateway holds no credential for it;
    /// also DRS's HTTP 403 when its body carries no DRS code of its own (an HTML or empty body).
    /// </summary>
    public const string ProjectNotAllowed = "PROJECT_NOT_ALLOWED";

    // Jobs: on the field that needed the job.

    /// <summary>A malformed job ID (never sent upstream), or one DRS calls malformed.</summary>
    public const string InvalidJobId = "INVALID_JOB_ID";

    /// <summary>More IDs in one <c>jobs(ids:)</c> field than <c>Gateway:Limits:MaxIdsPerField</c>.</summary>
    public const string TooManyJobIds = "TOO_MANY_JOB_IDS";

    /// <summary>A <c>jobUpdates</c> subscription without any job ID: it would complete at once, watching nothing.</summary>
    public const string NoJobIds = "NO_JOB_IDS";

    /// <summary>DRS could not be reached after the retries, or the circuit to it is open.</summary>
    public const string UpstreamUnavailable = "UPSTREAM_UNAVAILABLE";

    /// <summary>DRS did not answer within the attempt timeout or the request budget.</summary>
    public const string UpstreamTimeout = "UPSTREAM_TIMEOUT";

    /// <summary>DRS kept throttling the call after the retries.</summary>
    public const string UpstreamThrottled = "UPSTREAM_THROTTLED";

    /// <summary>DRS answered something we cannot use: not its JSON, a redirect, an answer too large.</summary>
    public const string UpstreamProtocol = "UPSTREAM_PROTOCOL_ERROR";

    // Browsing: on the browsing field, which is null (or, for jobs, the operation's data).

    /// <summary>An <c>after</c>/<c>before</c> cursor that was tampered with, comes from another field, filter or order, or has expired.</summary>
    public const string InvalidCursor = "INVALID_CURSOR";

    /// <summary>A negative <c>first</c>/<c>last</c>, or both given at once.</summary>
    public const string InvalidPagingArguments = "INVALID_PAGING_ARGUMENTS";

    /// <summary><c>first</c> or <c>last</c> above <c>Gateway:Browse:MaxPageSize</c>.</summary>
    public const string PageSizeExceeded = "PAGE_SIZE_EXCEEDED";

    /// <summary>Filtering or sorting in the gateway would need batch answers for more than <c>Gateway:Browse:MaxLocalCandidates</c> jobs.</summary>
    public const string FilterTooBroad = "FILTER_TOO_BROAD";

    /// <summary>A <c>where</c> the gateway cannot apply: an operation without a value, <c>or: []</c>, too deep, too many values.</summary>
    public const string InvalidFilter = "INVALID_FILTER";

    /// <summary>An <c>order</c> of more entries than the gateway sorts by (<c>BrowseArguments.MaxOrderEntries</c>).</summary>
    public const string InvalidOrder = "INVALID_ORDER";

    // Query limits: the operation is refused before it runs.

    /// <summary>An operation references more jobs than <c>Gateway:Limits:MaxJobReferences</c> (across aliases and fragments).</summary>
    public const string TooManyJobReferences = "TOO_MANY_JOB_REFERENCES";

    /// <summary>An operation names more distinct job IDs than <c>Gateway:Limits:MaxDistinctJobIds</c>.</summary>
    public const string TooManyDistinctJobIds = "TOO_MANY_DISTINCT_JOB_IDS";

    /// <summary>More field nodes in the document than <c>Gateway:Limits:MaxFieldNodes</c>.</summary>
    public const string TooManyFields = "TOO_MANY_FIELDS";

    /// <summary>More fields share one response name in one merged selection set than <c>Gateway:Limits:MaxFieldsPerResponseName</c>.</summary>
    public const string TooManySameNameFields = "TOO_MANY_SAME_NAME_FIELDS";

    /// <summary>Validation would compare fragments spread into the same selection sets more often than <c>Gateway:Limits:MaxFragmentComparisons</c>.</summary>
    public const string TooManyMergedFragments = "TOO_MANY_MERGED_FRAGMENTS";

    /// <summary>The last of the first 100 validation errors: how many more there were.</summary>
    public const string TooManyValidationErrors = "TOO_MANY_VALIDATION_ERRORS";

    /// <summary>More directives in the document than <c>Gateway:Limits:MaxDirectives</c>.</summary>
    public const string TooManyDirectives = "TOO_MANY_DIRECTIVES";

    /// <summary>More arguments (of fields and directives) in the document than <c>Gateway:Limits:MaxArguments</c>.</summary>
    public const string TooManyArguments = "TOO_MANY_ARGUMENTS";

    /// <summary>More variable definitions in the document than <c>Gateway:Limits:MaxVariables</c>.</summary>
    public const string TooManyVariables = "TOO_MANY_VARIABLES";

    /// <summary>More fragment definitions, spreads and inline fragments than <c>Gateway:Limits:MaxFragments</c>.</summary>
    public const string TooManyFragments = "TOO_MANY_FRAGMENTS";

    /// <summary>More values written in arguments and variable defaults than <c>Gateway:Limits:MaxInputValues</c>.</summary>
    public const string TooManyInputValues = "TOO_MANY_INPUT_VALUES";

    /// <summary>A number literal in the query text longer than 100 characters.</summary>
    public const string NumberTooLong = "NUMBER_TOO_LONG";

    /// <summary>Introspection's recursive lists or <c>ofType</c> nested beyond <c>Gateway:Limits:MaxIntrospection*</c>.</summary>
    public const string IntrospectionTooDeep = "INTROSPECTION_TOO_DEEP";

    /// <summary>The estimated answer of the HTTP request exceeds <c>Gateway:Limits:MaxResultFields</c>.</summary>
    public const string ResultTooLarge = "RESULT_TOO_LARGE";

    /// <summary>The document nests deeper than the parser's 128 levels.</summary>
    public const string DocumentTooDeep = "DOCUMENT_TOO_DEEP";

    /// <summary>The parser failed while describing a syntax error: the query is not GraphQL.</summary>
    public const string SyntaxError = "SYNTAX_ERROR";

    // GraphQL.NET's own codes that this gateway's settings can provoke: named here so the README's tables and this
    // catalogue list the same codes (the errors themselves come from GraphQL.NET's rules, under these names).

    /// <summary>The selection nests deeper than <c>Gateway:Limits:MaxDepth</c> (GraphQL.NET's depth rule).</summary>
    public const string Complexity = "COMPLEXITY";

    /// <summary><c>__schema</c> or <c>__type</c> with <c>Gateway:Security:EnableIntrospection=false</c>.</summary>
    public const string NoIntrospection = "NO_INTROSPECTION";

    /// <summary>A mutation over GET: HTTP 405 (the code GraphQL.NET derives from <c>HttpMethodNotAllowedError</c>).</summary>
    public const string HttpMethodNotAllowed = "HTTP_METHOD_NOT_ALLOWED";

    // HTTP: the request or the answer as a whole.

    /// <summary>The request's JSON text (body, or a GET's variables/extensions) cannot be read: HTTP 400.</summary>
    public const string InvalidJson = "INVALID_JSON";

    /// <summary>
    /// The request is JSON (or URL parameters) but not a GraphQL request: not an object, no or a non-string
    /// <c>query</c>, <c>variables</c> or <c>extensions</c> that are not objects, a repeated GET parameter, an
    /// empty body: HTTP 400. Over graphql-transport-ws, the same in a <c>subscribe</c> payload closes the socket (4400).
    /// </summary>
    public const string InvalidRequest = "INVALID_REQUEST";

    /// <summary>HTTP 405: a method other than GET and POST (PUT and DELETE: single connection SSE only).</summary>
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";

    /// <summary>HTTP 406: the <c>Accept</c> header allows none of the media types the endpoint answers with.</summary>
    public const string NotAcceptable = "NOT_ACCEPTABLE";

    /// <summary>HTTP 413: the body is larger than <c>GraphQL:Http:MaxRequestBodyBytes</c>.</summary>
    public const string RequestTooLarge = "REQUEST_TOO_LARGE";

    /// <summary>HTTP 415: a <c>Content-Type</c> other than JSON, or a charset other than UTF-8.</summary>
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";

    /// <summary>HTTP 400: a request a browser marked as cross-site without a header that needs a preflight.</summary>
    public const string CrossSiteRequestRefused = "CROSS_SITE_REQUEST_REFUSED";

    /// <summary>HTTP 400: a JSON array with <c>GraphQL:Http:EnableBatching=false</c>, an empty batch, or one over <c>MaxBatchSize</c>.</summary>
    public const string InvalidBatch = "INVALID_BATCH";

    /// <summary>Single connection SSE: an unknown, expired or another caller's reservation token (HTTP 404).</summary>
    public const string UnknownStream = "UNKNOWN_STREAM";

    /// <summary>Single connection SSE: a second stream for one reservation, or an <c>operationId</c> already running (HTTP 409).</summary>
    public const string StreamConflict = "STREAM_CONFLICT";

    /// <summary>Something failed inside the gateway (HTTP 500; logged with its cause); the message says no more unless <c>ExposeExceptionDetails</c>.</summary>
    public const string InternalError = "INTERNAL_ERROR";

    /// <summary>The code of a refusal by its HTTP status alone, for the refusals that need no more specific one.</summary>
    public static string ForStatus(int status) => status switch
    {
        404 => UnknownStream,
        405 => MethodNotAllowed,
        406 => NotAcceptable,
        409 => StreamConflict,
        413 => RequestTooLarge,
        415 => UnsupportedMediaType,
        >= 500 => InternalError,
        _ => InvalidRequest,
    };

    /// <summary>A mutation or subscription: the schema has only a query root.</summary>
    public const string OperationTypeNotSupported = "OPERATION_TYPE_NOT_SUPPORTED";

    /// <summary>The serialized answer passed <c>GraphQL:Http:MaxResponseBytes</c>: it is dropped whole and replaced by this error.</summary>
    public const string ResponseTooLarge = "RESPONSE_TOO_LARGE";

    /// <summary>The operation waited its request's whole budget for room under <c>Gateway:Limits:MaxResultFieldsInFlight</c>: 503 with Retry-After.</summary>
    public const string ServerBusy = "SERVER_BUSY";

    /// <summary>More field errors than <c>Gateway:Limits:MaxErrors</c>: the rest are counted in this one, their fields null.</summary>
    public const string TooManyErrors = "TOO_MANY_ERRORS";

    /// <summary>The caller's or its client address's token bucket is empty: HTTP 429 with <c>Retry-After</c>.</summary>
    public const string RateLimited = "RATE_LIMITED";

    /// <summary>
    /// A batch operation that would take its HTTP request past a full rate-limit bucket: it could never be granted
    /// with the rest of the batch, so it is refused at once; sent in another request, it can be.
    /// </summary>
    public const string BatchTooExpensive = "BATCH_TOO_EXPENSIVE";

    // Subscriptions and their transports.

    /// <summary>A subscription over plain POST/GET: it needs a stream (WebSocket graphql-transport-ws or <c>Accept: text/event-stream</c>).</summary>
    public const string SubscriptionNeedsStream = "SUBSCRIPTION_NEEDS_STREAM";

    /// <summary>The caller already watches <c>Gateway:Subscriptions:MaxJobsPerCaller</c> distinct jobs, or the replica <c>MaxJobsPerReplica</c>.</summary>
    public const string TooManyWatchedJobs = "TOO_MANY_WATCHED_JOBS";

    /// <summary>The caller already watches <c>Gateway:Subscriptions:MaxPagesPerCaller</c> pages (<c>projectJobsUpdates</c>).</summary>
    public const string TooManyWatchedPages = "TOO_MANY_WATCHED_PAGES";

    /// <summary>The replica is stopping: subscribe again, another replica answers.</summary>
    public const string ShuttingDown = "SHUTTING_DOWN";

    /// <summary>The caller holds <c>GraphQL:Streaming:MaxConnectionsPerCaller</c> connections already.</summary>
    public const string TooManyConnections = "TOO_MANY_CONNECTIONS";

    /// <summary>
    /// The socket runs <c>GraphQL:Streaming:MaxSubscriptionsPerConnection</c> operations already, or the caller has
    /// <c>Gateway:Subscriptions:MaxSubscriptionsPerCaller</c> subscriptions open (the replica <c>MaxSubscriptionsPerReplica</c>).
    /// </summary>
    public const string TooManySubscriptions = "TOO_MANY_SUBSCRIPTIONS";

    /// <summary>The subscription's source failed or the client read too slowly.</summary>
    public const string SubscriptionEnded = "SUBSCRIPTION_ENDED";

    // Persisted operations (Gateway:PersistedOperations): decided before the document is parsed.

    /// <summary>No document is registered under the request's <c>extensions.persistedQuery.sha256Hash</c>: send the text with the hash.</summary>
    public const string PersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND";

    /// <summary>Automatic persisted queries are switched off (<c>Gateway:PersistedOperations:EnableAutomatic=false</c>).</summary>
    public const string PersistedQueryNotSupported = "PERSISTED_QUERY_NOT_SUPPORTED";

    /// <summary>The query text sent with a hash does not have that SHA-256 hash: nothing is registered or run.</summary>
    public const string PersistedQueryHashMismatch = "PERSISTED_QUERY_HASH_MISMATCH";

    /// <summary>A malformed <c>extensions.persistedQuery</c> (not version 1, not 64 hex digits), or an id with a different text.</summary>
    public const string PersistedQueryInvalid = "PERSISTED_QUERY_INVALID";

    /// <summary>No trusted document has the request's <c>id</c> (<c>documentId</c>, <c>doc_id</c>).</summary>
    public const string PersistedDocumentNotFound = "PERSISTED_DOCUMENT_NOT_FOUND";

    /// <summary><c>Gateway:PersistedOperations:OnlyTrustedDocuments</c> is on and the request is not a trusted document.</summary>
    public const string OperationNotTrusted = "OPERATION_NOT_TRUSTED";
}
