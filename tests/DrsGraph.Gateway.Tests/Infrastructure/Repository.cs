namespace DrsGraph.Gateway.Tests.Infrastructure;

/// <summary>The repository the tests run from: for tests that hold files of it (README, schema) to what the gateway does.</summary>
public static class Repository
{
    /// <summary>The folder holding DrsGraph.sln, found above the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DrsGraph.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("DrsGraph.sln not found above " + AppContext.BaseDirectory);
    }
}
