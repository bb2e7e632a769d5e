using System.Text.RegularExpressions;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.GraphQLHttp;
using DrsGraph.Gateway.Jobs;
using DrsGraph.Gateway.Security;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Callers;

/// <summary>
/// The GraphQL user context of one operation: who is calling (from the request headers) and the
/// operation's own DataLoaders, so batching never mixes two operations or two callers.
/// </summary>
public sealed class GatewayUserContext : Dictionary<string, object?>
{
    private JobLoaders? _loaders;

    // dataSource: where this operation's loaders fetch, already bounded by the operation's budget.
    public GatewayUserContext(DrsCaller? caller, CallerProblem? problem, IJobDataSource dataSource)
    {
        Caller = caller;
        Problem = problem;
        DataSource = dataSource;
    }

    /// <summary>The caller, or null when the headers do not identify one (see <see cref="Problem"/>).</summary>
    public DrsCaller? Caller { get; }

    /// <summary>Why the headers do not identify a caller; surfaced on every field that needs DRS.</summary>
    public CallerProblem? Problem { get; }

    private IJobDataSource DataSource { get; }

    /// <summary>The operation's loaders, created on first use.</summary>
    public JobLoaders Loaders => _loaders ??= new JobLoaders(DataSource, Caller ?? throw new InvalidOperationException("No caller."));
}

/// <summary>A header problem: the error code and message each DRS-backed field reports.</summary>
public sealed record CallerProblem(string Code, string Message);

/// <summary>Reads <c>X-Auth-Token</c>, <c>X-Project-Id</c> and <c>X-Language</c> into a <see cref="GatewayUserContext"/>.</summary>
public sealed partial class CallerContextBuilder(
    IOptions<CallerOptions> callerOptions,
    IOptions<DrsClientOptions> drsOptions,
    JobDataSourceChain dataSources) : IGraphQLUserContextBuilder
{
    public const string AuthTokenHeader = "X-Auth-Token";
    public const string ProjectIdHeader = "X-Project-Id";
    public const string LanguageHeader = "X-Language";

    public ValueTask<IDictionary<string, object?>> BuildUserContextAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var (caller, problem) = Identify(context.Request.Headers);
        // The request's budget (UseRequestBudget) is handed down here, the last layer that sees the request.
        var source = dataSources.ForOperation(context.Features.Get<RequestBudget>());
        return ValueTask.FromResult<IDictionary<string, object?>>(new GatewayUserContext(caller, problem, source));
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

        var project = headers[ProjectIdHeader].ToString().Trim();
        if (project.Length == 0)
        {
            project = drsOptions.Value.ProjectId;
        }
        else if (!ProjectIdPattern().IsMatch(project))
        {
            return (null, new CallerProblem(GatewayErrorCodes.InvalidProjectId, $"The {ProjectIdHeader} header must be a DRS project ID (letters, digits, '-' or '_', at most 64)."));
        }

        var language = headers[LanguageHeader].ToString().Trim().ToLowerInvariant();
        if (language.Length > 0 && language is not ("en-us" or "zh-cn"))
        {
            return (null, new CallerProblem(GatewayErrorCodes.InvalidLanguage, $"The {LanguageHeader} header must be 'en-us' or 'zh-cn'."));
        }

        return (new DrsCaller(token, project, language.Length == 0 ? null : language), null);
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
