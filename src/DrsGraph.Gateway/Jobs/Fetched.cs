namespace DrsGraph.Gateway.Jobs;

/// <summary>
/// A job field's value as a data source answers it, with how old it is. The freshness travels next to
/// the value, so a cache hit hands out the stored record itself instead of a copy stamped with its age.
/// </summary>
/// <remarks>A class, not a struct: <c>DrsResult&lt;T&gt;</c> holds reference types only.</remarks>
public sealed record Fetched<T>(T Value, Freshness? Freshness)
    where T : class;

/// <summary>
/// How old an answer is: set by the cache (Caching/), null when an answer did not pass through it.
/// <see cref="Stale"/> is true only when DRS failed transiently and an expired answer was served instead.
/// </summary>
public sealed record Freshness(DateTime FetchedAt, bool Stale);
