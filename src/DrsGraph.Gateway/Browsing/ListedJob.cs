using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Browsing;

/// <summary>What a DRS job-list entry says about a job, in the gateway's vocabulary: enough to filter and sort on without a batch call.</summary>
public sealed record ListedJob(string Id, string? Name, JobStatusInfo? Status, DateTime? CreatedAt, DbUseType UseType,
    string? EngineType = null, NetType NetType = NetType.Unknown);
