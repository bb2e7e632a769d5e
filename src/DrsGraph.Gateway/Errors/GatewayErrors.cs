using DrsGraph.DrsClient;
using DrsGraph.DrsClient.Auth;
using GraphQL;

namespace DrsGraph.Gateway.Errors;

/// <summary>Turns a DRS error into the GraphQL error placed on the field that needed the job.</summary>
public static class GatewayErrors
{
    public static ExecutionError FromDrs(string jobId, DrsError error)
    {
        // What a job's own answer says keeps DRS's code; trouble reaching DRS gets one clear code of ours.
        var own = error.Kind is DrsErrorKind.Throttled or DrsErrorKind.Unavailable or DrsErrorKind.Timeout or DrsErrorKind.Protocol or DrsErrorKind.InvalidJobId
            || error.Code.StartsWith("DRSGRAPH.", StringComparison.Ordinal);
        var executionError = new ExecutionError($"Job '{jobId}': {error.Message}") { Code = own ? OwnCode(error) : error.Code };
        executionError.Data["kind"] = KindName(error.Kind);
        // Keep what was said underneath: DRS's own code (APIGW.0308, DRS.M00004), that the circuit is open,
        // or which protocol error it was (a redirect, an answer too large).
        if (own && (!error.Code.StartsWith("DRSGRAPH.", StringComparison.Ordinal)
            || error.Code is DrsErrorCodes.CircuitOpen or DrsErrorCodes.Redirected or DrsErrorCodes.ResponseTooLarge or DrsErrorCodes.ListInconsistent
                or DrsCredentialHandler.IamRefusedCode or DrsErrorCodes.IamUnavailable))
        {
            executionError.Data["upstreamCode"] = error.Code;
        }

        executionError.Data["jobId"] = jobId;
        if (error.HttpStatus is { } status)
        {
            executionError.Data["upstreamStatus"] = status;
        }

        if (error.RequestId is { } requestId)
        {
            executionError.Data["upstreamRequestId"] = requestId;
        }

        return executionError;
    }

    public static ExecutionError Create(string code, string message) => new(message) { Code = code };

    /// <summary>
    /// A fresh copy of <paramref name="error"/> (message, or <paramref name="message"/> instead; code, data) to throw
    /// from a resolver: the engine adds the field's location and path to the error it catches, so one instance thrown
    /// for several subscribers' events would collect every subscriber's locations.
    /// </summary>
    public static ExecutionError Copy(ExecutionError error, string? message = null)
    {
        var copy = new ExecutionError(message ?? error.Message) { Code = error.Code };
        foreach (var key in error.Data.Keys)
        {
            copy.Data[key] = error.Data[key];
        }

        return copy;
    }

    private static string OwnCode(DrsError error) => error.Kind switch
    {
        DrsErrorKind.InvalidJobId => GatewayErrorCodes.InvalidJobId,
        DrsErrorKind.Timeout => GatewayErrorCodes.UpstreamTimeout,
        DrsErrorKind.Throttled => GatewayErrorCodes.UpstreamThrottled,
        DrsErrorKind.Protocol => GatewayErrorCodes.UpstreamProtocol,
        // IAM refused the credential the gateway holds (service identities): the call was never made.
        DrsErrorKind.Unauthorized when error.Code == DrsCredentialHandler.IamRefusedCode => GatewayErrorCodes.Unauthenticated,
        // DRS (or a proxy in front of it) refused the caller with a 401/403 whose body carries no DRS code (an HTML
        // page, an empty body): still an auth refusal, not DRS being down. The caller must fix its token or project.
        DrsErrorKind.Unauthorized => GatewayErrorCodes.Unauthenticated,
        DrsErrorKind.Forbidden => GatewayErrorCodes.ProjectNotAllowed,
        _ => GatewayErrorCodes.UpstreamUnavailable,
    };

    private static string KindName(DrsErrorKind kind) => kind switch
    {
        DrsErrorKind.InvalidJobId => "INVALID_JOB_ID",
        DrsErrorKind.NotFound => "NOT_FOUND",
        DrsErrorKind.Deleted => "DELETED",
        DrsErrorKind.ItemError => "ITEM_ERROR",
        DrsErrorKind.BadRequest => "BAD_REQUEST",
        DrsErrorKind.Unauthorized => "UNAUTHORIZED",
        DrsErrorKind.Forbidden => "FORBIDDEN",
        DrsErrorKind.Throttled => "THROTTLED",
        DrsErrorKind.Unavailable => "UNAVAILABLE",
        DrsErrorKind.Timeout => "TIMEOUT",
        _ => "PROTOCOL",
    };
}
