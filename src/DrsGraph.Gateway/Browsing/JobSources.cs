namespace DrsGraph.Gateway.Browsing;

/// <summary>The batch endpoints a filter or sort needs answers from, so only those are fetched for the candidates.</summary>
[Flags]
public enum JobSources
{
    None = 0,
    Status = 1,
    Progress = 2,
    Detail = 4,
}
