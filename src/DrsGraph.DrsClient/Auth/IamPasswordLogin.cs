namespace DrsGraph.DrsClient.Auth;

/// <summary>Who asks IAM for a project-scoped token (<c>POST /v3/auth/tokens</c>, password method).</summary>
/// <remarks><c>IamEndpoint</c> is IAM's base URL, e.g. <c>https://iam.eu-de.otc.t-systems.com</c>.</remarks>
public sealed record IamPasswordLogin(Uri IamEndpoint, string Domain, string User, string Password, string ProjectId)
{
    /// <summary>Keeps the password out of logs.</summary>
    public override string ToString() => $"IamPasswordLogin {{ IamEndpoint = {IamEndpoint}, Domain = {Domain}, User = {User}, ProjectId = {ProjectId}, Password = *** }}";
}
