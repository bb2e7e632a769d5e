using Microsoft.Extensions.Options;

namespace DrsGraph.Emulator.Jobs;

/// <summary>All jobs of all projects, keyed by (project, id). Thread-safe; definitions are immutable.</summary>
public sealed partial class JobStore(TimeProvider time, IOptions<EmulatorOptions> options, ILogger<JobStore> logger)
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Project, string Id), JobDefinition> byKey = [];
    private readonly List<(string Project, string Id)> order = [];
    private Random idRandom = NewIdRandom(options.Value.Seed);
    private bool seeded;

    /// <summary>Replaces every job with the seed data, its "epoch" being now.</summary>
    public void Reset()
    {
        var o = options.Value;
        var jobs = JobFactory.Seed(time.GetUtcNow(), o.Seed, o.GeneratedJobs, o.TimeScale);
        lock (gate)
        {
            byKey.Clear();
            order.Clear();
            idRandom = NewIdRandom(o.Seed);
            foreach (var job in jobs)
            {
                byKey[(job.ProjectId, job.Id)] = job;
                order.Add((job.ProjectId, job.Id));
            }

            seeded = true;
        }

        LogSeeded(logger, jobs.Count);
    }

    /// <summary>The job <paramref name="id"/> of <paramref name="projectId"/>, or null: jobs of other projects do not exist here.</summary>
    public JobDefinition? Find(string projectId, string id)
    {
        EnsureSeeded();
        lock (gate)
        {
            return byKey.GetValueOrDefault((projectId, id));
        }
    }

    /// <summary>Every job (of one project when given), in creation order.</summary>
    public IReadOnlyList<JobDefinition> List(string? projectId)
    {
        EnsureSeeded();
        lock (gate)
        {
            return [.. order.Where(k => projectId is null || k.Project == projectId).Select(k => byKey[k])];
        }
    }

    /// <summary>Adds jobs; false (and nothing added) if any already exists in its project.</summary>
    public bool TryAdd(IReadOnlyList<JobDefinition> jobs)
    {
        EnsureSeeded();
        lock (gate)
        {
            if (jobs.Any(j => byKey.ContainsKey((j.ProjectId, j.Id))))
            {
                return false;
            }

            foreach (var job in jobs)
            {
                byKey[(job.ProjectId, job.Id)] = job;
                order.Add((job.ProjectId, job.Id));
            }

            return true;
        }
    }

    /// <summary>Every job with this ID (in <paramref name="projectId"/> only, when given), in creation order.</summary>
    public IReadOnlyList<JobDefinition> FindAll(string id, string? projectId)
    {
        EnsureSeeded();
        lock (gate)
        {
            return [.. order.Where(k => k.Id == id && (projectId is null || k.Project == projectId)).Select(k => byKey[k])];
        }
    }

    /// <summary>
    /// Replaces each (old, new) pair's job, all or nothing: false (and nothing replaced) if any of them
    /// changed since it was read (deleted, reset or moved meanwhile).
    /// </summary>
    public bool TryReplace(IReadOnlyList<(JobDefinition Old, JobDefinition New)> changes)
    {
        lock (gate)
        {
            if (changes.Any(c => !ReferenceEquals(byKey.GetValueOrDefault((c.Old.ProjectId, c.Old.Id)), c.Old)))
            {
                return false;
            }

            foreach (var (_, job) in changes)
            {
                byKey[(job.ProjectId, job.Id)] = job;
            }

            return true;
        }
    }

    /// <summary>A fresh ID not used in <paramref name="projectId"/>.</summary>
    public string NewId(string projectId)
    {
        EnsureSeeded();
        lock (gate)
        {
            string id;
            do
            {
                id = JobFactory.NewId(idRandom);
            }
            while (byKey.ContainsKey((projectId, id)));

            return id;
        }
    }

    /// <summary>Marks every job with this ID deleted (in whichever project); false if there is none.</summary>
    public bool MarkDeleted(string id)
    {
        EnsureSeeded();
        lock (gate)
        {
            var keys = order.Where(k => k.Id == id).ToList();
            foreach (var key in keys)
            {
                byKey[key] = byKey[key] with { Deleted = true };
            }

            return keys.Count > 0;
        }
    }

    // Its own stream, not the seed's: with the same seed it would hand out the seeded jobs' IDs again.
    private static Random NewIdRandom(int seed) => new(seed ^ 0x5eed1d5);

    private void EnsureSeeded()
    {
        bool needed;
        lock (gate)
        {
            needed = !seeded;
        }

        if (needed)
        {
            Reset();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Emulator job store seeded with {Count} jobs")]
    private static partial void LogSeeded(ILogger logger, int count);
}
