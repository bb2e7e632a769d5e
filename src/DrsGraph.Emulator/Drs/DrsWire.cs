using System.Text.Json.Serialization;

namespace DrsGraph.Emulator.Drs;

// The emulator's own copy of the DRS wire shapes: it must not depend on the client it is used to test.
// Null members are omitted on the wire (see EmulatorJson.Drs) because DRS omits empty fields.

/// <summary>Every batch answer: <c>{count, results}</c>.</summary>
public sealed record BatchResponse<T>(
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("results")] IReadOnlyList<T> Results);

/// <summary>The plain error body used for every non-batch-shaped error.</summary>
public sealed record ErrorBody(
    [property: JsonPropertyName("error_code")] string ErrorCode,
    [property: JsonPropertyName("error_msg")] string ErrorMsg,
    [property: JsonPropertyName("request_id")] string RequestId);

/// <summary>batch-status item; a per-item error carries error_code/error_message instead of status.</summary>
public sealed record StatusItem(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string? Status = null,
    [property: JsonPropertyName("error_code")] string? ErrorCode = null,
    [property: JsonPropertyName("error_message")] string? ErrorMessage = null);

/// <summary>batch-progress item. Note <c>error_msg</c> here, unlike the other two endpoints.</summary>
public sealed record ProgressItem
{
    [JsonPropertyName("job_id")] public required string JobId { get; init; }
    [JsonPropertyName("progress")] public string? Progress { get; init; }
    [JsonPropertyName("incre_trans_delay")] public string? IncreTransDelay { get; init; }
    [JsonPropertyName("incre_trans_delay_millis")] public string? IncreTransDelayMillis { get; init; }
    [JsonPropertyName("task_mode")] public string? TaskMode { get; init; }
    [JsonPropertyName("transfer_status")] public string? TransferStatus { get; init; }
    [JsonPropertyName("process_time")] public string? ProcessTime { get; init; }
    [JsonPropertyName("remaining_time")] public string? RemainingTime { get; init; }
    [JsonPropertyName("progress_map")] public IReadOnlyDictionary<string, PhaseProgress>? ProgressMap { get; init; }
    [JsonPropertyName("error_code")] public string? ErrorCode { get; init; }
    [JsonPropertyName("error_msg")] public string? ErrorMsg { get; init; }
}

/// <summary>One phase of <c>progress_map</c>; DRS sends <c>remaining_time: null</c> rather than omitting it.</summary>
public sealed record PhaseProgress(
    [property: JsonPropertyName("completed")] string Completed,
    [property: JsonPropertyName("remaining_time"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? RemainingTime);

/// <summary>batch-detail item, in the field order of the API page's example.</summary>
public sealed record DetailItem
{
    [JsonPropertyName("id")] public required string Id { get; init; }

    // Not in the page's example (which shows no subtask); the SDK models carry it for a subtask's parent.
    [JsonPropertyName("parent_id")] public string? ParentId { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("description")] public string? Description { get; init; }
    [JsonPropertyName("create_time")] public string? CreateTime { get; init; }
    [JsonPropertyName("task_type")] public string? TaskType { get; init; }
    [JsonPropertyName("source_endpoint")] public EndpointItem? SourceEndpoint { get; init; }
    [JsonPropertyName("target_endpoint")] public EndpointItem? TargetEndpoint { get; init; }
    [JsonPropertyName("inst_info")] public InstInfoItem? InstInfo { get; init; }
    [JsonPropertyName("actual_start_time")] public string? ActualStartTime { get; init; }
    [JsonPropertyName("full_transfer_complete_time")] public string? FullTransferCompleteTime { get; init; }
    [JsonPropertyName("update_time")] public string? UpdateTime { get; init; }
    [JsonPropertyName("job_direction")] public string? JobDirection { get; init; }
    [JsonPropertyName("db_use_type")] public string? DbUseType { get; init; }
    [JsonPropertyName("need_restart")] public bool? NeedRestart { get; init; }
    [JsonPropertyName("is_target_readonly")] public bool? IsTargetReadonly { get; init; }
    [JsonPropertyName("conflict_policy")] public string? ConflictPolicy { get; init; }
    [JsonPropertyName("speed_limit")] public IReadOnlyList<SpeedLimitItem>? SpeedLimit { get; init; }
    [JsonPropertyName("schema_type")] public string? SchemaType { get; init; }
    [JsonPropertyName("node_num")] public int? NodeNum { get; init; }
    [JsonPropertyName("object_switch")] public bool? ObjectSwitch { get; init; }
    [JsonPropertyName("replace_definer")] public bool? ReplaceDefiner { get; init; }
    [JsonPropertyName("migrate_user")] public bool? MigrateUser { get; init; }
    [JsonPropertyName("error_code")] public string? ErrorCode { get; init; }
    [JsonPropertyName("error_message")] public string? ErrorMessage { get; init; }
    [JsonPropertyName("failed_reason")] public string? FailedReason { get; init; }
    [JsonPropertyName("az_code")] public string? AzCode { get; init; }
    [JsonPropertyName("vpc_id")] public string? VpcId { get; init; }
    [JsonPropertyName("subnet_id")] public string? SubnetId { get; init; }
    [JsonPropertyName("security_group_id")] public string? SecurityGroupId { get; init; }
    [JsonPropertyName("net_type")] public string? NetType { get; init; }
    [JsonPropertyName("alarm_notify")] public AlarmNotifyItem? AlarmNotify { get; init; }
    [JsonPropertyName("issue_coupon")] public bool? IssueCoupon { get; init; }
    [JsonPropertyName("support_ip_v6")] public bool? SupportIpV6 { get; init; }
    [JsonPropertyName("tags")] public IReadOnlyList<TagItem>? Tags { get; init; }
}

/// <summary>A job's alarm notifications, an object as in the SDKs' <c>QuerySmnInfoResp</c>; every member optional.</summary>
public sealed record AlarmNotifyItem
{
    [JsonPropertyName("subscriptions")] public IReadOnlyList<SubscriptionItem>? Subscriptions { get; init; }
    [JsonPropertyName("topic_name")] public string? TopicName { get; init; }
    [JsonPropertyName("delay_time")] public long? DelayTime { get; init; }
    [JsonPropertyName("rto_delay")] public long? RtoDelay { get; init; }
    [JsonPropertyName("rpo_delay")] public long? RpoDelay { get; init; }
    [JsonPropertyName("alarm_to_user")] public bool? AlarmToUser { get; init; }
}

/// <summary>One delivery of alarms: <c>sms</c> or <c>email</c> to these endpoints.</summary>
public sealed record SubscriptionItem(
    [property: JsonPropertyName("endpoints")] IReadOnlyList<string> Endpoints,
    [property: JsonPropertyName("protocol")] string Protocol);

/// <summary>Source or target endpoint; <c>db_password</c> is never returned.</summary>
public sealed record EndpointItem
{
    [JsonPropertyName("ip")] public string? Ip { get; init; }
    [JsonPropertyName("region")] public string? Region { get; init; }
    [JsonPropertyName("db_type")] public string? DbType { get; init; }
    [JsonPropertyName("db_port")] public int? DbPort { get; init; }
    [JsonPropertyName("ssl_link")] public bool? SslLink { get; init; }
    [JsonPropertyName("inst_id")] public string? InstId { get; init; }
    [JsonPropertyName("project_id")] public string? ProjectId { get; init; }
    [JsonPropertyName("inst_name")] public string? InstName { get; init; }
    [JsonPropertyName("db_user")] public string? DbUser { get; init; }
    [JsonPropertyName("vpc_id")] public string? VpcId { get; init; }
    [JsonPropertyName("subnet_id")] public string? SubnetId { get; init; }
}

/// <summary>The replication instance running the job.</summary>
public sealed record InstInfoItem
{
    [JsonPropertyName("ip")] public string? Ip { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("inst_type")] public string? InstType { get; init; }
    [JsonPropertyName("engine_type")] public string? EngineType { get; init; }
    [JsonPropertyName("volume_size")] public int? VolumeSize { get; init; }
    [JsonPropertyName("public_ip")] public string? PublicIp { get; init; }
    [JsonPropertyName("start_time")] public string? StartTime { get; init; }
}

/// <summary>A speed-limit window ("HH:mm", MB/s as a string).</summary>
public sealed record SpeedLimitItem(
    [property: JsonPropertyName("speed")] string Speed,
    [property: JsonPropertyName("begin")] string Begin,
    [property: JsonPropertyName("end")] string End,
    [property: JsonPropertyName("is_utc")] bool IsUtc);

/// <summary>A resource tag.</summary>
public sealed record TagItem(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] string Value);
