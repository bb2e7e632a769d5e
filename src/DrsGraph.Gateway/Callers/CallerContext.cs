using System.Text.RegularExpressions;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.DataLoading;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.Limits;
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
}

/// <summary>Who is calling, or why the headers do not say: exactly one of the two is set.</summary>
public sealed record CallerContext(DrsCaller? Caller, CallerProblem? Problem);

/// <summary>A header problem: the error code and message the operation's root fields report.</summary>
public sealed record CallerProblem(string Code, string Message);

/// <summary>Reads <c>X-Auth-Token</c>, <c>X-Project-Id</c> and <c>X-Language</c> into a <see cref="CallerContext"/>.</summary>
public sealed partial class CallerContextBuilder(
    IOptions<CallerOptions> callerOptions,
    IOptions<DrsClientOptions> drsOptions)
{
    public const string AuthTokenHeader = "X-Auth-Token";
    public const string ProjectIdHeader = "X-Project-Id";
    public const string LanguageHeader = "X-Language";

    public CallerContext Build(IHeaderDictionary headers)
    {
        var (caller, problem) = Identify(headers);
        return new CallerContext(caller, problem);
    }

    private (DrsCaller? Caller, CallerProblem? Problem) Identify(IHeaderDictionary headers)
    {
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

        var (project, language, problem) = ReadScope(headers);
        return problem is null ? (new DrsCaller(token, project, language), null) : (null, problem);
    }

    /// <summary>
    /// The project (<c>X-Project-Id</c>, else <c>Drs:ProjectId</c>) and language (<c>X-Language</c>) a caller asks
    /// for, or the problem with them; shared by every way of identifying a caller.
    /// </summary>
    public (string Project, string? Language, CallerProblem? Problem) ReadScope(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var project = headers[ProjectIdHeader].ToString().Trim();
        if (project.Length == 0)
        {
            project = drsOptions.Value.ProjectId;
        }
        else if (!ProjectIdPattern().IsMatch(project))
        {
            return ("", null, new CallerProblem(GatewayErrorCodes.InvalidProjectId, $"The {ProjectIdHeader} header must be a DRS project ID (letters, digits, '-' or '_', at most 64)."));
        }

        var language = headers[LanguageHeader].ToString().Trim().ToLowerInvariant();
        if (language.Length > 0 && language is not ("en-us" or "zh-cn"))
        {
            return ("", null, new CallerProblem(GatewayErrorCodes.InvalidLanguage, $"The {LanguageHeader} header must be 'en-us' or 'zh-cn'."));
        }

        return (project, language.Length == 0 ? null : language, null);
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
