using System.Collections.Concurrent;
using System.Diagnostics;

namespace DrsGraph.Gateway.Tests.Infrastructure;

/// <summary>
/// The spans of one trace of the test's own: what was stopped under the caller span <see cref="Begin"/> starts (requests
/// made inside it carry its traceparent), from the sources <c>listenTo</c> picks. Other tests' spans are never recorded.
/// </summary>
public sealed class TraceRecorder : IDisposable
{
    private readonly ActivityListener _listener;

    public TraceRecorder(Func<ActivitySource, bool> listenTo)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = listenTo,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == TraceId)
                {
                    Stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ActivityTraceId TraceId { get; } = ActivityTraceId.CreateRandom();

    public ConcurrentQueue<Activity> Stopped { get; } = new();

    /// <summary>The test caller's span: dispose it once the requests of the trace are made.</summary>
    public Activity Begin() => new Activity("test caller").SetParentId(TraceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start();

    public void Dispose() => _listener.Dispose();
}
