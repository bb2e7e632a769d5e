using System.Diagnostics;

namespace DrsGraph.DrsClient;

/// <summary>
/// What the DRS client's requests carry of the caller's trace: W3C <c>traceparent</c> and <c>tracestate</c>, never
/// <c>baggage</c>. The runtime's propagator sends the incoming request's baggage on to every outgoing call, so a caller's
/// <c>baggage</c> header (any text it likes) reached DRS and IAM, on calls made with the gateway's own credentials too.
/// </summary>
public sealed class TraceContextOnly(DistributedContextPropagator inner) : DistributedContextPropagator
{
    private const string Baggage = "baggage";

    /// <summary>For a handler's <c>ActivityHeadersPropagator</c>: the runtime's propagator without baggage.</summary>
    public static DistributedContextPropagator Instance { get; } = new TraceContextOnly(CreateDefaultPropagator());

    public override IReadOnlyCollection<string> Fields { get; } = [.. inner.Fields.Where(field => !string.Equals(field, Baggage, StringComparison.OrdinalIgnoreCase))];

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter) =>
        inner.Inject(activity, carrier, setter is null ? null : (c, name, value) =>
        {
            if (!string.Equals(name, Baggage, StringComparison.OrdinalIgnoreCase))
            {
                setter(c, name, value);
            }
        });

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState) =>
        inner.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) => null;
}
