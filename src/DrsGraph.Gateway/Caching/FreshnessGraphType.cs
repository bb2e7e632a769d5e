using DrsGraph.Gateway.Jobs;
using GraphQL.Types;

namespace DrsGraph.Gateway.Caching;

public sealed class FreshnessGraphType : ObjectGraphType<Freshness>
{
    public FreshnessGraphType()
    {
        Name = "Freshness";
        Description = "How old an answer is. The gateway caches DRS answers for a few seconds (status, progress), a minute (detail) or minutes (jobs in a terminal status). When DRS fails transiently it serves the last answer it has, with `stale: true`, instead of an error.";
        Field<NonNullGraphType<DateTimeGraphType>>("fetchedAt").Description("When the gateway got this answer from DRS (UTC).").Resolve(c => c.Source.FetchedAt);
        Field<NonNullGraphType<BooleanGraphType>>("stale").Description("True when this answer is past its cache lifetime and was served only because DRS could not be reached (5xx, timeout, throttling); show it as possibly outdated.").Resolve(c => c.Source.Stale);
    }
}
