namespace DrsGraph.Gateway.ServiceIdentity;

/// <summary>
/// What the gateway holds for one more DRS region (<c>Gateway:ServiceIdentity:Regions:&lt;region&gt;</c>, a region of
/// <c>Drs:Regions</c>): its credentials per project and its IAM endpoint. The default region's stay at the top level
/// (<c>Gateway:ServiceIdentity:Credentials</c>, <c>IamEndpoint</c>), as before regions.
/// </summary>
public sealed class ServiceRegionOptions
{
    /// <summary>One credential per project of this region, shaped as the default region's.</summary>
    public Dictionary<string, ServiceCredentialOptions> Credentials { get; init; } = [];

    /// <summary>
    /// This region's IAM base URL (e.g. <c>https://iam.eu-nl.otc.t-systems.com</c>) for its IAM-user credentials that
    /// name none. Default: the region's DRS endpoint. Never the default region's IAM: a token is scoped to its region.
    /// </summary>
    public string? IamEndpoint { get; set; }
}
