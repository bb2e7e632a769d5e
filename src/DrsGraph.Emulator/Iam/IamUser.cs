namespace DrsGraph.Emulator.Iam;

/// <summary>An emulated IAM user.</summary>
public sealed class IamUser
{
    public string Password { get; set; } = "";

    public string Domain { get; set; } = "";

    /// <summary>Projects a token of this user may be scoped to.</summary>
    public List<string> Projects { get; init; } = [];
}
