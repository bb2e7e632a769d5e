using System.Collections.Concurrent;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.DataSources;
using DrsGraph.Gateway.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.Gateway.Tests.Caching;

/// <summary>
/// The decorator on its own, over an upstream the test holds open, for orderings an emulator cannot
/// pin down: who owns a shared fetch, and what the others get.
/// </summary>
public sealed class CachingJobDataSourceTests : IDisposable
{
    private const string JobId = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private static readonly DrsCaller Owner = new("owner-token", "project-1");
    private static readonly DrsCaller Other = new("other-token", "project-1");

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly HeldUpstream _upstream = new();

    [Fact]
    public async Task A_request_that_gives_up_does_not_cancel_the_fetch_another_request_is_waiting_for()
    {
        using var cache = Cache(CachePartition.Token);
        using var gaveUp = new CancellationTokenSource();
        var first = cache.GetStatusesAsync(Owner, [JobId], gaveUp.Token);
        var second = cache.GetStatusesAsync(Owner, [JobId], CancellationToken.None);

        await gaveUp.CancelAsync();
        _upstream.Release(_ => DrsResult<Fetched<JobStatusInfo>>.Success(new Fetched<JobStatusInfo>(Running, null)));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal(JobStatus.FullTransferStarted, (await second)[JobId].Value!.Value.Status);
        Assert.Single(_upstream.Calls);
    }

    [Fact]
    public async Task Partitioned_by_project_a_joined_fetch_refused_for_another_token_is_asked_again_with_the_callers_own()
    {
        using var cache = Cache(CachePartition.Project);
        var refused = cache.GetStatusesAsync(Other, [JobId], CancellationToken.None);
        var allowed = cache.GetStatusesAsync(Owner, [JobId], CancellationToken.None);

        _upstream.Release(caller => caller == Other
            ? DrsResult<Fetched<JobStatusInfo>>.Failure(new DrsError("DRS.M00261", "Invalid project ID.", DrsErrorKind.Forbidden, 403))
            : DrsResult<Fetched<JobStatusInfo>>.Success(new Fetched<JobStatusInfo>(Running, null)));

        Assert.Equal(DrsErrorKind.Forbidden, (await refused)[JobId].Error!.Kind);
        Assert.Equal(JobStatus.FullTransferStarted, (await allowed)[JobId].Value!.Value.Status);
        Assert.Equal(["other-token", "owner-token"], _upstream.Calls.Select(c => c.AuthToken));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_subscription_poll_and_a_query_share_one_fetch_in_flight_whichever_starts_it(bool pollFirst)
    {
        using var cache = Cache(CachePartition.Token);
        // A poll refreshes past freshness, but a fetch already under way is as fresh as one it would start.
        var first = pollFirst ? cache.Refreshing.GetStatusesAsync(Owner, [JobId], CancellationToken.None) : cache.GetStatusesAsync(Owner, [JobId], CancellationToken.None);
        var second = pollFirst ? cache.GetStatusesAsync(Owner, [JobId], CancellationToken.None) : cache.Refreshing.GetStatusesAsync(Owner, [JobId], CancellationToken.None);

        _upstream.Release(_ => DrsResult<Fetched<JobStatusInfo>>.Success(new Fetched<JobStatusInfo>(Running, null)));

        Assert.Equal(JobStatus.FullTransferStarted, (await first)[JobId].Value!.Value.Status);
        Assert.Equal(JobStatus.FullTransferStarted, (await second)[JobId].Value!.Value.Status);
        Assert.Single(_upstream.Calls);
    }

    [Fact]
    public async Task Partitioned_by_token_a_second_token_never_joins_the_first_tokens_fetch()
    {
        using var cache = Cache(CachePartition.Token);
        var first = cache.GetStatusesAsync(Owner, [JobId], CancellationToken.None);
        var second = cache.GetStatusesAsync(Other, [JobId], CancellationToken.None);

        _upstream.Release(_ => DrsResult<Fetched<JobStatusInfo>>.Success(new Fetched<JobStatusInfo>(Running, null)));
        await Task.WhenAll(first, second);

        Assert.Equal(["other-token", "owner-token"], _upstream.Calls.Select(c => c.AuthToken).Order());
    }

    [Fact]
    public async Task Every_operation_of_a_caller_shares_its_entries_and_no_other_project_token_or_language_reads_them()
    {
        // Each operation brings its own caller object; the keys are built from its scope, so equal scopes must meet.
        var upstream = new CountingUpstream { NamesJobs = true };
        using var cache = Cache(CachePartition.Token, upstream);
        string[] jobs = [JobId, JobId + "0", JobId.ToUpperInvariant(), JobId];

        var first = await cache.GetStatusesAsync(new DrsCaller("owner-token", "project-1"), jobs, CancellationToken.None);
        var again = await cache.GetStatusesAsync(new DrsCaller("owner-token", "project-1"), [.. jobs.Reverse()], CancellationToken.None);

        Assert.Equal((1, 3), (upstream.Calls, upstream.Asked));
        foreach (var answers in new[] { first, again })
        {
            Assert.Equal(jobs.Distinct().Order(), answers.Keys.Order());
            Assert.All(answers, pair => Assert.Equal(pair.Key, pair.Value.Value!.Value.ErrorMessage));
        }

        DrsCaller[] others = [new("owner-token", "project-2"), new("other-token", "project-1"), new("owner-token", "project-1", "de-de")];
        foreach (var other in others)
        {
            var calls = upstream.Calls;
            await cache.GetStatusesAsync(other, [JobId], CancellationToken.None);
            Assert.Equal(calls + 1, upstream.Calls);
        }
    }

    [Fact]
    public async Task The_memory_level_stays_within_its_byte_budget_and_keeps_caching_once_full()
    {
        var upstream = new CountingUpstream();
        using var cache = Cache(CachePartition.Token, upstream, maxMemoryMegabytes: 1);
        const long budget = 1024 * 1024;

        // ~700 estimated bytes per status: 20 000 of them are ~14 budgets' worth.
        for (var batch = 0; batch < 200; batch++)
        {
            await cache.GetStatusesAsync(Owner, Ids(batch * 100, 100), CancellationToken.None);
            Assert.InRange(cache.MemoryStatistics!.CurrentEstimatedSize!.Value, 1, budget);
        }

        // A full level makes room in the background once an insert overflows it (a quarter at a time):
        // within a few rounds, what a new request fetched is served from memory the next time.
        var cachedAgain = false;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        for (var round = 0; !cachedAgain && DateTime.UtcNow < deadline; round++)
        {
            var fresh = Ids(1_000_000 + (round * 100), 100);
            await cache.GetStatusesAsync(Owner, fresh, CancellationToken.None);
            var calls = upstream.Calls;
            await cache.GetStatusesAsync(Owner, fresh, CancellationToken.None);
            cachedAgain = upstream.Calls == calls;
            if (!cachedAgain)
            {
                await Task.Delay(20);
            }
        }

        Assert.True(cachedAgain, "a full memory level never admitted new entries");
        Assert.InRange(cache.MemoryStatistics!.CurrentEstimatedSize!.Value, 1, budget);
        Assert.InRange(cache.MemoryStatistics!.CurrentEntryCount, 100, 2000);
    }

    [Fact]
    public async Task Jobs_polled_while_one_off_answers_flood_a_full_level_stay_cached()
    {
        var upstream = new CountingUpstream();
        using var cache = Cache(CachePartition.Token, upstream, maxMemoryMegabytes: 1);
        var polled = Ids(0, 20);
        for (var poll = 0; poll < 3; poll++)
        {
            await cache.GetStatusesAsync(Owner, polled, CancellationToken.None);
        }

        // ~20 000 answers asked once each (what a new caller per request does), eighty times the level, with the
        // poller asking again after every 1 000 of them (four times the level): its answers are not the ones evicted.
        // An LRU would lose them before every one of the 20 polls. Not never: the level compares frequencies in an
        // approximate sketch, keyed by the process's randomized string hashes, so once in a while a one-off answer's
        // estimate reaches a polled one's. Measured 2026-12-06 (400 runs of this test's load in one process): 13 lost a
        // polled job at one poll (that poller then paid one DRS call), none at two or more. Two are allowed for margin.
        var missedPolls = new List<int>();
        for (var batch = 0; batch < 200; batch++)
        {
            await cache.GetStatusesAsync(Owner, Ids(1_000 + (batch * 100), 100), CancellationToken.None);
            if (batch % 10 == 9)
            {
                var calls = upstream.Calls;
                await cache.GetStatusesAsync(Owner, polled, CancellationToken.None);
                if (calls != upstream.Calls)
                {
                    missedPolls.Add(batch + 1);
                }
            }
        }

        Assert.True(missedPolls.Count <= 2, $"the polled jobs were evicted at {missedPolls.Count} of 20 polls (after batches {string.Join(", ", missedPolls)})");
    }

    [Fact]
    public async Task Answers_asked_once_while_the_level_is_full_leave_it_young_and_do_not_displace_what_it_holds()
    {
        var upstream = new CountingUpstream();
        using var cache = Cache(CachePartition.Token, upstream, maxMemoryMegabytes: 1);
        // 1 MB holds about 250 statuses: these 100, asked three times, and 300 more asked once that fill it.
        var held = Ids(0, 100);
        for (var ask = 0; ask < 3; ask++)
        {
            await cache.GetStatusesAsync(Owner, held, CancellationToken.None);
        }

        await AskAsync(cache, from: 1_000, batches: 3);

        // 20 000 answers asked once each (a new caller per request), eighty levels' worth. They wait in the first-use
        // window, there for the next request, and leave it as the next ones come; the W-TinyLFU never weighs them. When it
        // did, its frequency sketch, saturated by them, let about one in sixteen in at random, to stay for seconds (and be
        // promoted by the GC) and push out what the level held. Not never: the doorkeeper that tells a new key from a
        // returning one is a Bloom filter, wrong for a few in ten thousand new keys, which then compete as before.
        await AskAsync(cache, from: 10_000, batches: 200);

        var asked = upstream.Asked;
        await cache.GetStatusesAsync(Owner, held, CancellationToken.None);
        Assert.InRange(upstream.Asked - asked, 0, 3);

        // The first 2 000 of the flood, asked again: at most 1 % still held (about 6 % before the first-use window).
        asked = upstream.Asked;
        await AskAsync(cache, from: 10_000, batches: 20);

        Assert.InRange(upstream.Asked - asked, 1_980, 2_000);
        Assert.InRange(cache.MemoryStatistics!.CurrentEstimatedSize!.Value, 1, 1024 * 1024);
    }

    [Fact]
    public async Task A_job_asked_again_while_one_off_answers_flood_a_full_level_enters_it_and_stays()
    {
        var upstream = new CountingUpstream();
        using var cache = Cache(CachePartition.Token, upstream, maxMemoryMegabytes: 1);
        await AskAsync(cache, from: 0, batches: 4);

        // A new poller starts while the level is full and flooded: its first answers wait in the first-use window and are
        // pushed out of it by the flood; asked again, they are known (the doorkeeper) and enter the level itself, where the
        // flood does not reach them.
        var polled = Ids(100_000, 20);
        var flooded = 1_000_000;
        async Task FloodAsync(int batches)
        {
            await AskAsync(cache, flooded, batches);
            flooded += batches * 100;
        }

        await cache.GetStatusesAsync(Owner, polled, CancellationToken.None);
        await FloodAsync(10);
        var asked = upstream.Asked;
        await cache.GetStatusesAsync(Owner, polled, CancellationToken.None);
        Assert.Equal(20, upstream.Asked - asked);

        var missed = 0;
        for (var poll = 0; poll < 10; poll++)
        {
            await FloodAsync(10);
            asked = upstream.Asked;
            await cache.GetStatusesAsync(Owner, polled, CancellationToken.None);
            missed += upstream.Asked - asked;
        }

        // Not every poll: the level's frequencies are an approximate sketch, so a returning key now and then loses its
        // place to another (measured 2026-12-06: one run in twelve lost most of the 20 jobs at one poll). Without the
        // doorkeeper's second chance every poll would miss (200).
        Assert.InRange(missed, 0, 40);
    }

    [Fact]
    public async Task A_full_level_whose_answers_have_all_died_takes_new_answers_again()
    {
        // A 1 s TTL and no stale grace: the level's entries die a second after they were stored.
        var upstream = new CountingUpstream();
        using var cache = Cache(CachePartition.Token, upstream, maxMemoryMegabytes: 1, clock: TimeProvider.System, configure: options =>
        {
            options.StatusTtl = TimeSpan.FromSeconds(1);
            options.StaleGrace = TimeSpan.Zero;
        });
        await AskAsync(cache, from: 0, batches: 4);

        // Once they are dead (the level's timer ticks about once a second), new answers go to the W-TinyLFU again, not to
        // the first-use window only: these 100 are still there after 200 more new ones, more than the window holds.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var kept = Ids(1_000, 100);
        await cache.GetStatusesAsync(Owner, kept, CancellationToken.None);
        await cache.GetStatusesAsync(Owner, Ids(2_000, 100), CancellationToken.None);
        await cache.GetStatusesAsync(Owner, Ids(3_000, 100), CancellationToken.None);
        var asked = upstream.Asked;
        await cache.GetStatusesAsync(Owner, kept, CancellationToken.None);
        Assert.Equal(asked, upstream.Asked);
    }

    [Fact]
    public async Task Answers_past_their_stale_limit_leave_the_memory_level_without_being_read()
    {
        // Otherwise a dead answer keeps its place, and the reads it once had count against new answers.
        using var cache = Cache(CachePartition.Token, new CountingUpstream(), clock: TimeProvider.System, configure: options =>
        {
            options.StatusTtl = TimeSpan.FromMilliseconds(50);
            options.StaleGrace = TimeSpan.Zero;
        });
        await cache.GetStatusesAsync(Owner, Ids(0, 100), CancellationToken.None);
        Assert.Equal(100, cache.MemoryStatistics!.CurrentEntryCount);

        // The level's timer ticks about once a second, and expiry is applied when an answer is stored.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        for (var round = 0; cache.MemoryStatistics!.CurrentEntryCount > 1 && DateTime.UtcNow < deadline; round++)
        {
            await Task.Delay(100);
            await cache.GetStatusesAsync(Owner, Ids(1_000 + round, 1), CancellationToken.None);
        }

        Assert.InRange(cache.MemoryStatistics!.CurrentEntryCount, 0, 1);
    }

    [Fact]
    public async Task Concurrent_callers_on_a_small_level_that_keeps_overwriting_itself_get_each_job_its_own_answer()
    {
        // 1 MB: a few hundred entries. Four callers read and write 5 000 jobs at once, so entries are evicted while
        // others read them and read back while others are written.
        var upstream = new CountingUpstream { NamesJobs = true };
        using var cache = Cache(CachePartition.Token, upstream, maxMemoryMegabytes: 1);
        var served = 0L;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            for (var round = 0; round < 400; round++)
            {
                // A window that moves, so some jobs are asked again soon after (hits) and the rest much later.
                var ids = Ids(((round * 7) + random.Next(60)) % 5_000, 40);
                var answers = await cache.GetStatusesAsync(Owner, ids, CancellationToken.None);
                Assert.All(ids, id => Assert.Equal(id, answers[id].Value!.Value.ErrorMessage));
                Interlocked.Add(ref served, ids.Length);
            }
        })));

        Assert.Equal(4 * 400 * 40, served);
        Assert.True(upstream.Calls < 4 * 400, $"nothing was served from memory ({upstream.Calls} upstream calls)");
        Assert.InRange(cache.MemoryStatistics!.CurrentEstimatedSize!.Value, 1, 1024 * 1024);
    }

    /// <summary>
    /// Only an outage gets the stale value. A redirect or a 200 login page is what an auth proxy answers a revoked token
    /// with; served stale, the token kept reading cached jobs for StaleGrace.
    /// </summary>
    [Theory]
    [InlineData(DrsErrorKind.Protocol, 302, false)]
    [InlineData(DrsErrorKind.Protocol, 200, false)]
    [InlineData(DrsErrorKind.Unavailable, 503, true)]
    [InlineData(DrsErrorKind.Timeout, null, true)]
    [InlineData(DrsErrorKind.Throttled, 429, true)]
    public async Task Only_an_outage_is_answered_with_the_stale_value(DrsErrorKind kind, int? status, bool servedStale)
    {
        var clock = new FakeTimeProvider();
        var upstream = new CountingUpstream();
        using var cache = Cache(CachePartition.Token, upstream, clock: clock);
        var ids = Ids(0, 3);
        await cache.GetStatusesAsync(Owner, ids, CancellationToken.None);

        clock.Advance(TimeSpan.FromSeconds(30));
        upstream.FailWith = new DrsError("X.1", "failed", kind, status);
        var answers = await cache.GetStatusesAsync(Owner, ids, CancellationToken.None);

        Assert.All(ids, id => Assert.Equal(servedStale, answers[id].Value is { Freshness.Stale: true }));
        Assert.All(ids, id => Assert.Equal(!servedStale, answers[id].Error is { Code: "X.1" }));
    }

    /// <remarks>
    /// A token DRS refused (revoked) past the TTL was answered from the cache all the same once DRS was out: its entries
    /// stayed, and an outage serves them stale. A refusal forgets what the levels hold for that token and those jobs.
    /// </remarks>
    [Theory]
    [InlineData(DrsErrorKind.Unauthorized, 401)]
    [InlineData(DrsErrorKind.Forbidden, 403)]
    public async Task After_drs_refused_the_token_an_outage_serves_it_nothing_from_the_cache(DrsErrorKind refusal, int status)
    {
        var clock = new FakeTimeProvider();
        var upstream = new CountingUpstream();
        using var cache = Cache(CachePartition.Token, upstream, clock: clock);
        var ids = Ids(0, 3);
        await cache.GetStatusesAsync(Owner, ids, CancellationToken.None);

        clock.Advance(TimeSpan.FromSeconds(30));
        upstream.FailWith = new DrsError("APIGW.0301", "refused", refusal, status);
        var refused = await cache.GetStatusesAsync(Owner, ids, CancellationToken.None);
        upstream.FailWith = new DrsError("X.503", "DRS is out", DrsErrorKind.Unavailable, 503);
        var outage = await cache.GetStatusesAsync(Owner, ids, CancellationToken.None);

        Assert.All(ids, id => Assert.Equal("APIGW.0301", refused[id].Error?.Code));
        Assert.All(ids, id => Assert.Equal("X.503", outage[id].Error?.Code));
        Assert.Equal(0, cache.MemoryStatistics!.CurrentEntryCount);
    }

    /// <remarks>
    /// The level counts entries, each estimated at a usual detail's size (~4 KB): details with twenty long tags (~17 KB
    /// each in memory) held several times the budget. Such a detail waits only in the first-use window, where the next
    /// request still finds it; one larger than 64 KB beyond the usual is not kept in memory at all.
    /// </remarks>
    [Theory]
    [InlineData(0, 1000, 1000, 1)]
    [InlineData(20, 64, 128, 1)]
    [InlineData(200, 0, 0, 2)]
    public async Task Details_far_larger_than_usual_are_kept_only_briefly_or_not_at_all(int tags, int minEntries, int maxEntries, int callsForTwoReads)
    {
        var upstream = new CountingUpstream
        {
            DetailTags = [.. Enumerable.Range(0, tags).Select(i => new Tag($"{i:d3}-{new string('k', 124)}", new string('v', 255)))],
        };
        using var cache = Cache(CachePartition.Token, upstream, maxMemoryMegabytes: 8);

        for (var batch = 0; batch < 10; batch++)
        {
            await cache.GetDetailsAsync(Owner, Ids(batch * 100, 100), CancellationToken.None);
        }

        var held = cache.MemoryStatistics!.CurrentEntryCount;
        var before = upstream.Calls;
        await cache.GetDetailsAsync(Other, Ids(5000, 1), CancellationToken.None);
        await cache.GetDetailsAsync(Other, Ids(5000, 1), CancellationToken.None);

        Assert.InRange(held, minEntries, maxEntries);
        Assert.Equal(callsForTwoReads, upstream.Calls - before);
    }

    [Fact]
    public async Task An_entry_past_its_stale_limit_leaves_the_memory_level_when_read_and_is_never_served()
    {
        var clock = new FakeTimeProvider();
        var upstream = new CountingUpstream();
        using var cache = Cache(CachePartition.Token, upstream, clock: clock);
        var ids = Ids(0, 10);
        await cache.GetStatusesAsync(Owner, ids, CancellationToken.None);
        Assert.Equal(10, cache.MemoryStatistics!.CurrentEntryCount);

        // Within the stale grace a failing DRS still gets the stale value...
        upstream.Failing = true;
        clock.Advance(TimeSpan.FromSeconds(5) + TimeSpan.FromMinutes(4));
        var stale = await cache.GetStatusesAsync(Owner, ids, CancellationToken.None);
        Assert.All(ids, id => Assert.True(stale[id].Value!.Value is not null && stale[id].Value!.Freshness!.Stale));
        Assert.Equal(10, cache.MemoryStatistics!.CurrentEntryCount);

        // ...past it the entries are dropped on read (the LRU itself knows no time) and the error is the answer.
        clock.Advance(TimeSpan.FromMinutes(1));
        var gone = await cache.GetStatusesAsync(Owner, ids, CancellationToken.None);
        Assert.All(ids, id => Assert.Equal(DrsErrorKind.Unavailable, gone[id].Error!.Kind));
        Assert.Equal(0, cache.MemoryStatistics!.CurrentEntryCount);
    }

    public void Dispose()
    {
        _services.Dispose();
    }

    /// <summary>Asks <paramref name="batches"/> batches of 100 statuses, the IDs counting up from <paramref name="from"/>.</summary>
    private static async Task AskAsync(CachingJobDataSource cache, int from, int batches)
    {
        for (var batch = 0; batch < batches; batch++)
        {
            await cache.GetStatusesAsync(Owner, Ids(from + (batch * 100), 100), CancellationToken.None);
        }
    }

    private static string[] Ids(int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => $"{i:x8}-0000-4000-8000-00000000jb{i % 100:d2}")];

    private static JobStatusInfo Running => new(JobStatus.FullTransferStarted, "FULL_TRANSFER_STARTED", JobPhase.FullTransfer, false, false, null, null);

    private CachingJobDataSource Cache(CachePartition partition, IJobDataSource? upstream = null, int maxMemoryMegabytes = 64, TimeProvider? clock = null, Action<JobCacheOptions>? configure = null)
    {
        var settings = new JobCacheOptions { Partition = partition, KeySecret = new string('k', 32), MaxMemoryMegabytes = maxMemoryMegabytes };
        configure?.Invoke(settings);
        var options = Options.Create(settings);
        return new CachingJobDataSource(
            upstream ?? _upstream,
            new JobCacheKeys(options, new FixedEndpoint()),
            new NoSharedJobCache(),
            new JobCacheMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            options,
            clock ?? new FakeTimeProvider(),
            NullLogger<CachingJobDataSource>.Instance);
    }

    private sealed class FixedEndpoint : IDrsEndpointProvider
    {
        public Uri BaseAddress { get; } = new("https://drs.eu-de.otc.t-systems.com");
    }

    /// <summary>Answers every status at once, counting calls.</summary>
    private sealed class CountingUpstream : IJobDataSource
    {
        private int _calls;
        private int _asked;

        public int Calls => Volatile.Read(ref _calls);

        /// <summary>Job IDs asked for, over all calls.</summary>
        public int Asked => Volatile.Read(ref _asked);

        /// <summary>Answers 503 (transient) instead of a status.</summary>
        public bool Failing { get; set; }

        /// <summary>Answers this error instead of a status (instead of the 503 when <see cref="Failing"/>).</summary>
        public DrsError? FailWith { get; set; }

        /// <summary>Puts each job's ID in its answer (as the error message), so an answer given to the wrong job shows.</summary>
        public bool NamesJobs { get; init; }

        public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobStatusInfo>>>> GetStatusesAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            Interlocked.Add(ref _asked, jobIds.Count);
            return Task.FromResult<IReadOnlyDictionary<string, DrsResult<Fetched<JobStatusInfo>>>>(jobIds.ToDictionary(id => id, id => Failing || FailWith is not null
                ? DrsResult<Fetched<JobStatusInfo>>.Failure(FailWith ?? new DrsError("APIGW.0503", "Service unavailable.", DrsErrorKind.Unavailable, 503))
                : DrsResult<Fetched<JobStatusInfo>>.Success(new Fetched<JobStatusInfo>(NamesJobs ? Running with { ErrorMessage = id } : Running, null))));
        }

        public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobProgress>>>> GetProgressAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        /// <summary>Tags each answered detail carries.</summary>
        public IReadOnlyList<Tag> DetailTags { get; set; } = [];

        public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobDetail>>>> GetDetailsAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            Interlocked.Add(ref _asked, jobIds.Count);
            return Task.FromResult<IReadOnlyDictionary<string, DrsResult<Fetched<JobDetail>>>>(jobIds.ToDictionary(
                id => id, id => DrsResult<Fetched<JobDetail>>.Success(new Fetched<JobDetail>(new JobDetail { Id = id, Name = "a job", Tags = DetailTags }, null))));
        }
    }

    /// <summary>Answers status calls only when the test releases them, each with what the test says for its caller.</summary>
    private sealed class HeldUpstream : IJobDataSource
    {
        private readonly TaskCompletionSource<Func<DrsCaller, DrsResult<Fetched<JobStatusInfo>>>> _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<DrsCaller> Calls { get; } = new();

        public void Release(Func<DrsCaller, DrsResult<Fetched<JobStatusInfo>>> answer) => _release.TrySetResult(answer);

        public async Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobStatusInfo>>>> GetStatusesAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken)
        {
            Calls.Enqueue(caller);
            var answer = await _release.Task.WaitAsync(cancellationToken);
            return jobIds.ToDictionary(id => id, _ => answer(caller));
        }

        public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobProgress>>>> GetProgressAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobDetail>>>> GetDetailsAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
