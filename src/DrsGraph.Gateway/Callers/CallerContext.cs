using System.Text.RegularExpressions;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.DataLoading;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.Limits;
using DrsGraph.Gateway.Regions;
using GraphQL;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Callers;

/// <summary>
/// The GraphQL user context of one operation: who is calling (decided once, from the request headers)
/// and the operation's own DataLoaders, so batching never mixes two operations or two callers.
/// Built by the execution layer (<see cref="GraphQLHttp.GatewayUserContextBuilder"/>).
/// </summary>
public sealed class GatewayUserContext(CallerContext caller, JobLoaders? loaders) : Dictionary<string, object?>
{
    /// <summary>The caller, or the problem with the request's headers.</summary>
    public CallerContext Caller { get; } = caller;

    /// <summary>The request's time budget, for what a resolver fetches outside the loaders (the job list); none on a WebSocket.</summary>
    public RequestBudget? Budget { get; init; }

    /// <summary>The operation's loaders; none when the headers do not identify a caller.</summary>
    public JobLoaders Loaders => loaders ?? throw new InvalidOperationException("No caller: the root fields report the header problem before any job field runs.");

    /// <summary>The user context of a resolver's operation.</summary>
    public static GatewayUserContext Of(IResolveFieldContext context) =>
        context.UserContext as GatewayUserContext ?? throw new InvalidOperationException("The gateway's user context is missing.");

    /// <summary>
    /// Callers and loaders per region named by a root field's <c>region</c> argument; none (a context built by hand):
    /// every field reads the request's region.
    /// </summary>
    public RegionalCallers? Regions { get; init; }

    /// <summary>
    /// Fails the calling (root) field with the header problem, if any: reported once there, with the field
    /// null, rather than once per DRS-backed field of every job below it.
    /// </summary>
    public void ThrowIfNoCaller()
    {
        if (Caller.Problem is { } problem)
        {
            throw GatewayErrors.Create(problem.Code, problem.Message);
        }
    }

    /// <summary>
    /// The caller of a root field, in the region its <c>region</c> argument names (else the request's): fails the field
    /// with the header problem or <c>UNKNOWN_REGION</c> instead.
    /// </summary>
    public DrsCaller CallerFor(IResolveFieldContext context)
    {
        var (caller, _) = In(context);
        if (caller.Problem is { } problem)
        {
            throw GatewayErrors.Create(problem.Code, problem.Message);
        }

        return caller.Caller!;
    }

    /// <summary>Until when the caller of a root field may go on reading (<see cref="CallerContext.ValidUntil"/>); null: DRS decides.</summary>
    public DateTimeOffset? ValidUntilFor(IResolveFieldContext context) => In(context).Caller.ValidUntil;

    /// <summary>The loaders of the region a field's root field reads (its <c>region</c> argument, else the request's region).</summary>
    public JobLoaders LoadersFor(IResolveFieldContext context) =>
        In(context).Loaders ?? throw new InvalidOperationException("No caller: the root fields report the header problem before any job field runs.");

    private (CallerContext Caller, JobLoaders? Loaders) In(IResolveFieldContext context) =>
        Regions is { } regions ? regions.In(RegionArgumentOf(context)) : (Caller, loaders);

    /// <summary>The <c>region</c> argument of the root field <paramref name="context"/> is below (or is).</summary>
    public static string? RegionArgumentOf(IResolveFieldContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = context;
        while (root.Parent is { } parent)
        {
            root = parent;
        }

        return root.GetArgument<string?>(RegionArgument);
    }

    /// <summary>The root fields' argument that picks a region for that field.</summary>
    public const string RegionArgument = "region";
}

/// <summary>Who is calling, or why the headers do not say: exactly one of the two is set.</summary>
public sealed record CallerContext(DrsCaller? Caller, CallerProblem? Problem)
{
    /// <summary>
    /// True when the caller named its project (<c>X-Project-Id</c>): a field reading another region keeps it. False:
    /// each region's own default project is read.
    /// </summary>
    public bool ProjectNamed { get; init; }

    /// <summary>
    /// How this caller reads another region, when that needs more than its token (service identities: the grants and
    /// credential of that region). Null: the same token, sent to the other region's DRS.
    /// </summary>
    public Func<DrsRegion, CallerContext>? Rescope { get; init; }

    /// <summary>
    /// When the credential the caller presented stops being accepted: a service identity's JWT at its <c>exp</c> plus
    /// the clock skew. The gateway calls DRS with its own credential then, so DRS never sees the caller's expire and a
    /// subscription ends here instead. Null: DRS checks the caller's own token at every call (pass-through).
    /// </summary>
    public DateTimeOffset? ValidUntil { get; init; }
}

/// <summary>A header problem: the error code and message the operation's root fields report.</summary>
public sealed record CallerProblem(string Code, string Message);

/// <summary>Reads <c>X-Auth-Token</c>, <c>X-Project-Id</c> and <c>X-Language</c> into a <see cref="CallerContext"/>.</summary>
public sealed partial class CallerContextBuilder(
    IOptions<CallerOptions> callerOptions,
    DrsRegionCatalog regions)
{
    public const string AuthTokenHeader = "X-Auth-Token";
    public const string ProjectIdHeader = "X-Project-Id";
    public const string LanguageHeader = "X-Language";
    public const string RegionHeader = "X-Drs-Region";

    public CallerContext Build(IHeaderDictionary headers)
    {
        var (caller, problem) = Identify(headers);
        return new CallerContext(caller, problem) { ProjectNamed = caller is not null && IsProjectNamed(headers) };
    }

    /// <summary>True when the caller names its project (<c>X-Project-Id</c>) rather than taking the region's default.</summary>
    public static bool IsProjectNamed(IHeaderDictionary headers) => headers[ProjectIdHeader].ToString().Trim().Length > 0;

    private (DrsCaller? Caller, CallerProblem? Problem) Identify(IHeaderDictionary headers)
    {
        if (headers[AuthTokenHeader].Count > 1)
        {
            // Joined, they went to DRS as "tok-a,tok-b" and partitioned the cache under a token nobody holds.
            return (null, new CallerProblem(GatewayErrorCodes.Unauthenticated, $"Send one {AuthTokenHeader} header, not several."));
        }

        var token = headers[AuthTokenHeader].ToString().Trim();
        if (token.Length == 0)
        {
            token = callerOptions.Value.DefaultAuthToken ?? "";
        }

        if (token.Length == 0)
        {
            return (null, new CallerProblem(GatewayErrorCodes.Unauthenticated, $"The {AuthTokenHeader} header is required: send the caller's IAM token."));
        }

        if (token.Length > callerOptions.Value.MaxTokenLength || !IsVisibleAscii(token))
        {
            return (null, new CallerProblem(GatewayErrorCodes.Unauthenticated, $"The {AuthTokenHeader} header is not a valid IAM token."));
        }

        var (project, language, problem, region) = ReadScope(headers);
        return problem is null ? (new DrsCaller(token, project, language) { Region = region!.Name, Endpoint = region.Endpoint }, null) : (null, problem);
    }

    /// <summary>
    /// The region (<c>X-Drs-Region</c>, else the default region), project (<c>X-Project-Id</c>, else the region's
    /// default project) and language (<c>X-Language</c>) a caller asks for, or the problem with them; shared by every
    /// way of identifying a caller.
    /// </summary>
    public (string Project, string? Language, CallerProblem? Problem, DrsRegion? Region) ReadScope(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var regionName = headers[RegionHeader].ToString().Trim();
        if (regions.Find(regionName) is not { } region)
        {
            return ("", null, new CallerProblem(GatewayErrorCodes.UnknownRegion, $"The {RegionHeader} header names no configured region. {regions.UnknownMessage(regionName)}"), null);
        }

        var project = headers[ProjectIdHeader].ToString().Trim();
        if (project.Length == 0)
        {
            project = region.DefaultProjectId;
        }
        else if (!ProjectIdPattern().IsMatch(project))
        {
            return ("", null, new CallerProblem(GatewayErrorCodes.InvalidProjectId, $"The {ProjectIdHeader} header must be a DRS project ID (letters, digits, '-' or '_', at most 64)."), null);
        }

        var language = headers[LanguageHeader].ToString().Trim().ToLowerInvariant();
        if (language.Length > 0 && language is not ("en-us" or "zh-cn"))
        {
            return ("", null, new CallerProblem(GatewayErrorCodes.InvalidLanguage, $"The {LanguageHeader} header must be 'en-us' or 'zh-cn'."), null);
        }

        return (project, language.Length == 0 ? null : language, null, region);
    }

    private static bool IsVisibleAscii(string value)
    {
        foreach (var c in value)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    [GeneratedRegex("^[0-9a-zA-Z_-]{1,64}$")]
    private static partial Regex ProjectIdPattern();
}
