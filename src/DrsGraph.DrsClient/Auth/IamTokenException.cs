using System.Net;

namespace DrsGraph.DrsClient.Auth;

/// <summary>IAM refused the login or answered something that is not a token.</summary>
public sealed class IamTokenException(string message, HttpStatusCode? status) : Exception(message)
{
    public HttpStatusCode? Status { get; } = status;
}
