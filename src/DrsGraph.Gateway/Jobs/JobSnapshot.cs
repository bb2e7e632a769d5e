using DrsGraph.DrsClient;

namespace DrsGraph.Gateway.Jobs;

/// <summary>
/// A job's answers as one subscription poll found them. A <see cref="GraphQLSchema.JobRef"/> carrying one resolves its
/// fields from it, without loaders: every subscriber of a poll is served the same answers and none of
/// them costs an upstream call of its own. A field nobody asked the poll for is null.
/// </summary>
public sealed record JobSnapshot(
    DrsResult<Fetched<JobStatusInfo>> Status,
    DrsResult<Fetched<JobProgress>>? Progress,
    DrsResult<Fetched<JobDetail>>? Detail);
