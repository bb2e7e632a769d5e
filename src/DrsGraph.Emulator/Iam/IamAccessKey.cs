namespace DrsGraph.Emulator.Iam;

/// <summary>An emulated AK/SK pair.</summary>
public sealed class IamAccessKey
{
    public string SecretKey { get; set; } = "";

    /// <summary>Projects its signed calls may read.</summary>
    public List<string> Projects { get; init; } = [];
}
