using System.Net;

namespace DrsGraph.DrsClient.Auth;

/// <summary>IAM refused the login, answered something that is not a token, or could not be reached in time.</summary>
public sealed class IamTokenException(string message, HttpStatusCode? status, Exception? inner = null) : Exception(message, inner)
{
    public HttpStatusCode? Status { get; } = status;

    /// <summary>IAM refused the credential itself (a wrong password, a user without the project): not an outage.</summary>
    public bool IsRefusal => Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest;
}
