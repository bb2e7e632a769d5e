namespace DrsGraph.Emulator.Iam;

/// <summary>One token the emulated IAM issued.</summary>
public sealed record IssuedToken(string Value, string User, string ProjectId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>Keeps the token out of logs.</summary>
    public override string ToString() => $"IssuedToken {{ User = {User}, ProjectId = {ProjectId}, ExpiresAt = {ExpiresAt:O} }}";
}
