using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// How much more than the usual a cached detail holds in memory: its open-ended parts (free text, tags, speed limits,
/// alarm subscriptions), which the memory level's per-entry estimate (<see cref="CachedFields"/>) covers only at their
/// usual size. The fixed-size rest is the same for every detail. Cheap: a few lengths and sums, no serializing.
/// </summary>
internal static class DetailSize
{
    /// <summary>What the per-entry estimate leaves for a detail's open-ended parts: more is a large detail.</summary>
    public const long UsualExtraBytes = 2048;

    /// <summary>The most a detail kept in memory may hold beyond the usual: larger ones are not kept in memory.</summary>
    public const long MaxExtraBytes = 64 * 1024;

    /// <summary>Bytes the open-ended parts of <paramref name="entry"/>'s detail take (0 for any other entry).</summary>
    public static long Of(IJobCacheEntry entry)
    {
        if (entry is not JobCacheEntry<JobDetail> { Value: { } detail })
        {
            return 0;
        }

        // UTF-16 strings: two bytes a character, and an object header and length beside them.
        long bytes = Text(detail.Name) + Text(detail.Description) + Text(detail.FailedReason) + Text(detail.ErrorMessage) + Text(detail.IncrementalStartPosition);
        foreach (var tag in detail.Tags)
        {
            bytes += 32 + Text(tag.Key) + Text(tag.Value);
        }

        bytes += detail.SpeedLimits.Count * 96L;
        foreach (var subscription in detail.AlarmNotification?.Subscriptions ?? [])
        {
            bytes += 48 + Text(subscription.Protocol);
            foreach (var endpoint in subscription.Endpoints)
            {
                bytes += Text(endpoint);
            }
        }

        return bytes;
    }

    /// <summary>Whether <paramref name="entry"/> is a detail larger than the usual.</summary>
    public static bool IsLarge(IJobCacheEntry entry) => Of(entry) > UsualExtraBytes;

    private static long Text(string? text) => text is null ? 0 : 24 + (2L * text.Length);
}
