using System.Text.Json.Serialization;

namespace DrsGraph.DrsClient.Wire;

/// <summary>
/// Source-generated System.Text.Json metadata for every wire record, so the hot path neither
/// reflects nor allocates converters. Names come from the records' <c>[JsonPropertyName]</c>s.
/// </summary>
/// <remarks>
/// Reading is lenient where DRS is inconsistent (numbers in strings and the reverse, odd values of numbers and
/// booleans read as absent: the lenient converters)
/// and writing omits nulls, matching DRS's "empty fields are omitted". Every string read is bounded by
/// <see cref="BoundedStringConverter"/>.
/// </remarks>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(BoundedStringConverter), typeof(LenientInt32Converter), typeof(LenientInt64Converter), typeof(LenientBooleanConverter)], MaxDepth = DrsResponseReader.MaxDepth)]
[JsonSerializable(typeof(BatchRequestWire))]
[JsonSerializable(typeof(BatchResponseWire<JobStatusWire>))]
[JsonSerializable(typeof(BatchResponseWire<JobProgressWire>))]
[JsonSerializable(typeof(BatchResponseWire<JobDetailWire>))]
[JsonSerializable(typeof(AlarmNotifyWire))]
[JsonSerializable(typeof(TagWire))]
[JsonSerializable(typeof(SpeedLimitWire))]
[JsonSerializable(typeof(ProgressInfoWire))]
[JsonSerializable(typeof(ErrorWire))]
[JsonSerializable(typeof(JobListRequestWire))]
[JsonSerializable(typeof(JobListResponseWire))]
public sealed partial class DrsWireJsonContext : JsonSerializerContext;
