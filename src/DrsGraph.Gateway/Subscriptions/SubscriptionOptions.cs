using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>Limits and timing of <c>jobUpdates</c> subscriptions and their shared pollers, bound from <c>Gateway:Subscriptions</c>.</summary>
public sealed class SubscriptionOptions : IValidatableObject
{
    public const string SectionName = "Gateway:Subscriptions";

    /// <summary>Most distinct job IDs one <c>jobUpdates(ids:)</c> watches. Default 100: one DRS call per endpoint per tick.</summary>
    [Range(1, 1000)]
    public int MaxJobsPerSubscription { get; set; } = 100;

    /// <summary>
    /// Most distinct job IDs one caller (token) watches over all its open subscriptions on this replica: a job counts once
    /// however many of its subscriptions watch it (they share its poll), and a watched page counts its size. Default 1000.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxJobsPerCaller { get; set; } = 1000;

    /// <summary>
    /// Most jobs all callers together watch on this replica (each caller's counted as for <see cref="MaxJobsPerCaller"/>:
    /// what the pollers hold and poll), and never fewer than <see cref="MaxJobsPerCaller"/> (raising that raises this:
    /// <see cref="EffectiveMaxJobsPerReplica"/>). Default 20 000, about 100 MB of pollers: the per-caller limit is per
    /// token, and a client with many tokens (each its own scope and poller) otherwise grew a replica by 5 KB per watched
    /// job, past its memory limit. Past it a subscription is refused with <c>TOO_MANY_WATCHED_JOBS</c> until others close;
    /// more replicas watch more.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxJobsPerReplica { get; set; } = 20_000;

    /// <summary><see cref="MaxJobsPerReplica"/>, or <see cref="MaxJobsPerCaller"/> when that is larger: one caller alone may always use its allowance.</summary>
    public int EffectiveMaxJobsPerReplica => Math.Max(MaxJobsPerReplica, MaxJobsPerCaller);

    /// <summary>
    /// Most subscriptions (<c>jobUpdates</c> and <c>projectJobsUpdates</c>, over all transports) one caller has open on this
    /// replica. Default 1000: a screen of 50 connections x 20 subscriptions. Each costs its stream and its share of the
    /// fan-out (a few tens of KB), whatever jobs it watches, so it is bounded apart from the jobs.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxSubscriptionsPerCaller { get; set; } = 1000;

    /// <summary>
    /// Most subscriptions all callers together have open on this replica, and never fewer than
    /// <see cref="MaxSubscriptionsPerCaller"/> (<see cref="EffectiveMaxSubscriptionsPerReplica"/>). Default 10 000, a few
    /// hundred MB at most. Past it a subscription is refused with <c>TOO_MANY_SUBSCRIPTIONS</c> until others close.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxSubscriptionsPerReplica { get; set; } = 10_000;

    /// <summary><see cref="MaxSubscriptionsPerReplica"/>, or <see cref="MaxSubscriptionsPerCaller"/> when that is larger.</summary>
    public int EffectiveMaxSubscriptionsPerReplica => Math.Max(MaxSubscriptionsPerReplica, MaxSubscriptionsPerCaller);

    /// <summary>
    /// Most <c>projectJobsUpdates</c> pages one caller (token) watches at once on this replica. Default 10: each page
    /// has its own poller, and each tick of it walks the project's list (one DRS call per use type unless the filter
    /// names one), so pages cost DRS far more than their jobs do.
    /// </summary>
    [Range(1, 1000)]
    public int MaxPagesPerCaller { get; set; } = 10;

    /// <summary>Shortest time between two polls of a scope, used while jobs change. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan MinTick { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Longest time between two polls of a scope: the gap doubles from <see cref="MinTick"/> while nothing
    /// changes, up to this. Default 10 s, what infrastructure tools use for DRS jobs.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan MaxTick { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Time budget of one poll's DRS calls (the per-request <c>Gateway:RequestTimeout</c> does not apply to a
    /// subscription, which lives for hours). Default 10 s, above the DRS client's own 8 s with retries.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// With Redis: how long a replica's lease on a scope's polling lasts without renewal. The holder renews it at each of
    /// its polls and, in between, every third of this while its poller is alive (a slow DRS poll or a long tick does not
    /// let it lapse), so this bounds only how long a holder that died (killed, frozen, cut off from Redis) keeps the
    /// others waiting: a follower that has heard nothing for this long tries the lease and polls from then on. Unset:
    /// twice <see cref="MinTick"/>, at least 2 s, so a takeover comes within about two ticks of jobs that change.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.300", "00:30:00")]
    public TimeSpan? LeaseDuration { get; set; }

    /// <summary><see cref="LeaseDuration"/>, or its default.</summary>
    public TimeSpan EffectiveLeaseDuration => LeaseDuration ?? TimeSpan.FromTicks(Math.Max(MinTick.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));

    /// <summary>
    /// The longest a live lease holder goes without publishing a poll: its longest tick and a poll that takes its whole
    /// budget, plus a lease for scheduling. A follower that hears nothing for longer polls for its own subscribers.
    /// </summary>
    public TimeSpan HolderSilence => MaxTick + PollTimeout + EffectiveLeaseDuration;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinTick > MaxTick)
        {
            yield return new ValidationResult($"{nameof(MinTick)} must not be longer than {nameof(MaxTick)}.", [nameof(MinTick), nameof(MaxTick)]);
        }

        if (MaxJobsPerSubscription > MaxJobsPerCaller)
        {
            yield return new ValidationResult($"{nameof(MaxJobsPerSubscription)} must not be larger than {nameof(MaxJobsPerCaller)}.", [nameof(MaxJobsPerSubscription), nameof(MaxJobsPerCaller)]);
        }
    }
}
