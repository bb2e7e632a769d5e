namespace DrsGraph.DrsClient.Tests.Infrastructure;

/// <summary>
/// Base of the tests against the shared emulator: resets it before each test (seed data, no
/// faults, empty request log) and disposes the test's own client host after.
/// </summary>
[Collection(EmulatorTests.Name)]
public abstract class EmulatorTest(EmulatorFixture emulator) : IAsyncLifetime
{
    private readonly List<ClientHost> _hosts = [];

    protected EmulatorFixture Emulator { get; } = emulator;

    protected EmulatorControl Control => Emulator.Control;

    protected static DrsCaller Caller => EmulatorFixture.DemoCaller;

    public Task InitializeAsync() => Control.ResetAsync();

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await Control.ResetAsync();
    }

    /// <summary>A client against the shared emulator, with optional <c>Drs:*</c> settings.</summary>
    protected ClientHost NewHost(IDictionary<string, string?>? settings = null)
    {
        var host = ClientHost.Create(Emulator.BaseAddress, settings);
        _hosts.Add(host);
        return host;
    }

    protected IDrsClient NewClient(IDictionary<string, string?>? settings = null) => NewHost(settings).Client;

    /// <summary>IDs of existing, non-deleted jobs of the demo project, in the emulator's order.</summary>
    protected async Task<IReadOnlyList<string>> ExistingJobIdsAsync(int count)
    {
        var jobs = (await Control.ListJobsAsync()).Where(j => !j.Deleted).Select(j => j.Id).Take(count).ToList();
        Assert.True(jobs.Count == count, $"The emulator's demo project has {jobs.Count} jobs, the test needs {count}.");
        return jobs;
    }

    /// <summary>Well-formed IDs no project holds (the last group ends like real ones, "...jb9z").</summary>
    protected static IReadOnlyList<string> UnknownJobIds(int count) =>
        [.. Enumerable.Range(0, count).Select(i => $"deadbeef-0000-4000-8000-{i:x8}jb9z")];
}
