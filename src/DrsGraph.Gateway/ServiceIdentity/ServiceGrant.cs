namespace DrsGraph.Gateway.ServiceIdentity;

/// <summary>
/// One grant: a caller whose JWT has claim <see cref="Claim"/> with value <see cref="Value"/> (or, for a
/// space-separated claim such as <c>scope</c>, containing it) may read <see cref="Projects"/>.
/// </summary>
public sealed class ServiceGrant
{
    public string Claim { get; set; } = "";

    public string Value { get; set; } = "";

    /// <summary>Project IDs, or <c>*</c> for every project with a credential.</summary>
    public List<string> Projects { get; init; } = [];
}
