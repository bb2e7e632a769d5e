namespace DrsGraph.Gateway.ServiceIdentity;

/// <summary>
/// The credential the gateway holds for one project: an AK/SK pair (every call signed), or an IAM user that
/// obtains a project-scoped token (refreshed before its 24 h run out). Exactly one of the two.
/// </summary>
public sealed class ServiceCredentialOptions
{
    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>The IAM user's account (domain) name.</summary>
    public string? Domain { get; set; }

    public string? User { get; set; }

    public string? Password { get; set; }

    /// <summary>IAM's base URL for this credential; default <c>Gateway:ServiceIdentity:IamEndpoint</c>.</summary>
    public string? IamEndpoint { get; set; }

    internal bool IsAkSk => !string.IsNullOrEmpty(AccessKey);

    internal string? Problem()
    {
        var akSk = !string.IsNullOrEmpty(AccessKey) || !string.IsNullOrEmpty(SecretKey);
        var iam = !string.IsNullOrEmpty(User) || !string.IsNullOrEmpty(Password) || !string.IsNullOrEmpty(Domain);
        return (akSk, iam) switch
        {
            (true, true) => "set either AccessKey/SecretKey or Domain/User/Password, not both",
            (false, false) => "set AccessKey and SecretKey, or Domain, User and Password",
            (true, false) when string.IsNullOrEmpty(AccessKey) || string.IsNullOrEmpty(SecretKey) => "AccessKey and SecretKey go together",
            (false, true) when string.IsNullOrEmpty(User) || string.IsNullOrEmpty(Password) || string.IsNullOrEmpty(Domain) => "Domain, User and Password go together",
            _ when !string.IsNullOrWhiteSpace(IamEndpoint) && !ServiceIdentityOptions.IsHttpUrl(IamEndpoint) => $"IamEndpoint {ServiceIdentityOptions.HttpUrlRule}",
            _ => null,
        };
    }

    /// <summary>Keeps secrets out of logs.</summary>
    public override string ToString() => IsAkSk ? $"AK/SK {AccessKey}" : $"IAM user {Domain}/{User}";
}
