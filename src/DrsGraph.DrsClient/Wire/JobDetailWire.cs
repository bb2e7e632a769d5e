using System.Text.Json;
using System.Text.Json.Serialization;

namespace DrsGraph.DrsClient.Wire;

/// <summary>One item of <c>POST /v3/{project_id}/jobs/batch-detail</c>, exactly as on the wire.</summary>
/// <remarks>
/// Timestamps are epoch-millisecond strings; empty fields are omitted. <c>node_num</c> is an int in
/// new SDKs and a string in old ones, so it is read leniently. Fields DRS adds later land in
/// <see cref="Extra"/> instead of being lost.
/// </remarks>
public sealed record JobDetailWire
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("parent_id")] public string? ParentId { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("description")] public string? Description { get; init; }
    [JsonPropertyName("create_time")] public string? CreateTime { get; init; }
    [JsonPropertyName("task_type")] public string? TaskType { get; init; }
    [JsonPropertyName("source_endpoint")] public EndpointWire? SourceEndpoint { get; init; }
    [JsonPropertyName("target_endpoint")] public EndpointWire? TargetEndpoint { get; init; }
    [JsonPropertyName("inst_info")] public InstInfoWire? InstInfo { get; init; }
    [JsonPropertyName("actual_start_time")] public string? ActualStartTime { get; init; }
    [JsonPropertyName("full_transfer_complete_time")] public string? FullTransferCompleteTime { get; init; }
    [JsonPropertyName("update_time")] public string? UpdateTime { get; init; }
    [JsonPropertyName("job_direction")] public string? JobDirection { get; init; }
    [JsonPropertyName("db_use_type")] public string? DbUseType { get; init; }
    [JsonPropertyName("need_restart")] public bool? NeedRestart { get; init; }
    [JsonPropertyName("is_target_readonly")] public bool? IsTargetReadonly { get; init; }
    [JsonPropertyName("conflict_policy")] public string? ConflictPolicy { get; init; }
    [JsonPropertyName("filter_ddl_policy")] public string? FilterDdlPolicy { get; init; }
    [JsonPropertyName("speed_limit"), JsonConverter(typeof(LenientListConverter<SpeedLimitWire>))] public IReadOnlyList<SpeedLimitWire>? SpeedLimit { get; init; }
    [JsonPropertyName("schema_type")] public string? SchemaType { get; init; }
    [JsonPropertyName("node_num"), JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] public int? NodeNum { get; init; }
    [JsonPropertyName("object_switch")] public bool? ObjectSwitch { get; init; }
    [JsonPropertyName("master_job_id")] public string? MasterJobId { get; init; }
    [JsonPropertyName("full_mode")] public string? FullMode { get; init; }
    [JsonPropertyName("struct_trans")] public bool? StructTrans { get; init; }
    [JsonPropertyName("index_trans")] public bool? IndexTrans { get; init; }
    [JsonPropertyName("replace_definer")] public bool? ReplaceDefiner { get; init; }
    [JsonPropertyName("migrate_user")] public bool? MigrateUser { get; init; }
    [JsonPropertyName("sync_database")] public bool? SyncDatabase { get; init; }
    [JsonPropertyName("error_code")] public string? ErrorCode { get; init; }
    [JsonPropertyName("error_message")] public string? ErrorMessage { get; init; }

    /// <summary>batch-progress's spelling of the message, read here too (<see cref="ErrorMessage"/> wins, see <see cref="Message"/>).</summary>
    [JsonPropertyName("error_msg")] public string? ErrorMsg { get; init; }
    [JsonPropertyName("failed_reason")] public string? FailedReason { get; init; }
    [JsonPropertyName("az_code")] public string? AzCode { get; init; }
    [JsonPropertyName("vpc_id")] public string? VpcId { get; init; }
    [JsonPropertyName("subnet_id")] public string? SubnetId { get; init; }
    [JsonPropertyName("security_group_id")] public string? SecurityGroupId { get; init; }
    [JsonPropertyName("multi_write")] public bool? MultiWrite { get; init; }
    [JsonPropertyName("support_ip_v6")] public bool? SupportIpV6 { get; init; }
    [JsonPropertyName("inherit_id")] public string? InheritId { get; init; }
    [JsonPropertyName("gtid")] public string? Gtid { get; init; }
    [JsonPropertyName("alarm_notify"), JsonConverter(typeof(LenientObjectConverter<AlarmNotifyWire>))] public AlarmNotifyWire? AlarmNotify { get; init; }
    [JsonPropertyName("incre_start_position")] public string? IncreStartPosition { get; init; }
    [JsonPropertyName("net_type")] public string? NetType { get; init; }
    [JsonPropertyName("issue_coupon")] public bool? IssueCoupon { get; init; }
    [JsonPropertyName("tags"), JsonConverter(typeof(LenientListConverter<TagWire>))] public IReadOnlyList<TagWire>? Tags { get; init; }

    /// <summary>The item's error message under either spelling; the documented <c>error_message</c> wins.</summary>
    [JsonIgnore] public string? Message => WireText.FirstOf(ErrorMessage, ErrorMsg);

    /// <summary>Fields this client does not know yet; kept so nothing DRS sends is silently dropped.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>
/// The alarm notifications of a job (the SDKs' <c>QuerySmnInfoResp</c>): an SMN topic, who is told how, and the
/// delays that raise an alarm. Every member is optional. Read through <see cref="LenientObjectConverter{T}"/>, so a
/// value that is not an object, or a member of the wrong type, is dropped instead of failing the job's whole detail.
/// </summary>
public sealed record AlarmNotifyWire
{
    [JsonPropertyName("subscriptions")] public IReadOnlyList<AlarmSubscriptionWire>? Subscriptions { get; init; }
    [JsonPropertyName("topic_name")] public string? TopicName { get; init; }
    [JsonPropertyName("delay_time"), JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] public long? DelayTime { get; init; }
    [JsonPropertyName("rto_delay"), JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] public long? RtoDelay { get; init; }
    [JsonPropertyName("rpo_delay"), JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] public long? RpoDelay { get; init; }
    [JsonPropertyName("alarm_to_user")] public bool? AlarmToUser { get; init; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>One way alarms are delivered: <c>protocol</c> (<c>sms</c> or <c>email</c>, open) to these <c>endpoints</c>.</summary>
public sealed record AlarmSubscriptionWire(
    [property: JsonPropertyName("endpoints")] IReadOnlyList<string>? Endpoints,
    [property: JsonPropertyName("protocol")] string? Protocol);

/// <summary>Source or target database endpoint of a job. <c>db_password</c> is never returned.</summary>
public sealed record EndpointWire
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("db_type")] public string? DbType { get; init; }
    [JsonPropertyName("az_code")] public string? AzCode { get; init; }
    [JsonPropertyName("region")] public string? Region { get; init; }
    [JsonPropertyName("inst_id")] public string? InstId { get; init; }
    [JsonPropertyName("inst_name")] public string? InstName { get; init; }
    [JsonPropertyName("vpc_id")] public string? VpcId { get; init; }
    [JsonPropertyName("subnet_id")] public string? SubnetId { get; init; }
    [JsonPropertyName("security_group_id")] public string? SecurityGroupId { get; init; }
    [JsonPropertyName("project_id")] public string? ProjectId { get; init; }
    [JsonPropertyName("db_user")] public string? DbUser { get; init; }
    [JsonPropertyName("db_port"), JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] public int? DbPort { get; init; }
    [JsonPropertyName("ip")] public string? Ip { get; init; }
    [JsonPropertyName("ssl_cert_name")] public string? SslCertName { get; init; }
    [JsonPropertyName("ssl_link")] public bool? SslLink { get; init; }
    [JsonPropertyName("kafka_security_config")] public JsonElement? KafkaSecurityConfig { get; init; }
    [JsonPropertyName("cluster_mode")] public string? ClusterMode { get; init; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>The replication instance running the job. <c>status</c> comes as "ACTIVE" or "active".</summary>
public sealed record InstInfoWire
{
    [JsonPropertyName("engine_type")] public string? EngineType { get; init; }
    [JsonPropertyName("inst_type")] public string? InstType { get; init; }
    [JsonPropertyName("ip")] public string? Ip { get; init; }
    [JsonPropertyName("public_ip")] public string? PublicIp { get; init; }
    [JsonPropertyName("start_time")] public string? StartTime { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("volume_size"), JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] public int? VolumeSize { get; init; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A speed-limit window: times are "HH:mm" in UTC, speed in MB/s as a string.</summary>
public sealed record SpeedLimitWire(
    [property: JsonPropertyName("speed")] string? Speed,
    [property: JsonPropertyName("begin")] string? Begin,
    [property: JsonPropertyName("end")] string? End,
    [property: JsonPropertyName("is_utc")] bool? IsUtc);

/// <summary>A resource tag.</summary>
public sealed record TagWire(
    [property: JsonPropertyName("key")] string? Key,
    [property: JsonPropertyName("value")] string? Value);
