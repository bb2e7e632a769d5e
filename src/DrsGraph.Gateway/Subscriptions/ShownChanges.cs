using System.Text;
using System.Text.Json;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Types;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// Keeps the promise that a subscriber is sent an event only when something its own selection shows changed.
/// The shared pollers compare what DRS returned, which moves more often than a selection may show (an
/// incremental job's delay and processedAt move at every poll, while a subscriber may select only
/// <c>percent</c>). So each subscriber's executed event is compared with the last one it was sent (per job for
/// <c>jobUpdates</c>): an identical one is dropped, and <c>changes</c> keeps STATUS, PROGRESS, DETAIL and
/// TOTAL_COUNT only when that part of the selection shows another value (an event left naming nothing is dropped).
/// <c>changes</c> and <c>observedAt</c> describe the event, not the job, and Relay cursors (<c>cursor</c>,
/// <c>startCursor</c>, <c>endCursor</c>) a position, issued anew at every poll: all are left out of the comparison. First events (INITIAL) are always sent as they are.
/// </summary>
internal static class ShownChanges
{
    private const string JobTypeName = "Job";

    /// <summary>Wraps every stream of a subscription's result (each subscriber of it gets its own comparison).</summary>
    public static ExecutionResult Filter(ExecutionResult result)
    {
        if (result.Streams is { Count: > 0 } streams)
        {
            foreach (var key in streams.Keys.ToList())
            {
                streams[key] = new Filtered(streams[key]);
            }
        }

        return result;
    }

    private sealed class Filtered(IObservable<ExecutionResult> source) : IObservable<ExecutionResult>
    {
        public IDisposable Subscribe(IObserver<ExecutionResult> observer) => source.Subscribe(new Observer(observer));
    }

    private sealed class Observer(IObserver<ExecutionResult> inner) : IObserver<ExecutionResult>
    {
        private readonly Lock _sync = new();
        // The parts of the last event sent, by job ID ("" for a page, or an event without a job).
        private readonly Dictionary<string, Parts> _sent = new(StringComparer.Ordinal);

        public void OnNext(ExecutionResult value)
        {
            lock (_sync)
            {
                if (!ShouldSend(value))
                {
                    return;
                }
            }

            inner.OnNext(value);
        }

        public void OnError(Exception error) => inner.OnError(error);

        public void OnCompleted() => inner.OnCompleted();

        private bool ShouldSend(ExecutionResult result)
        {
            if (result.Data is not RootExecutionNode { SubFields: [var field] })
            {
                // No data to compare (an ending error): always sent.
                return true;
            }

            var key = field.Source is JobUpdate update ? update.Job.Id : "";
            var now = Parts.Of(field, result.Errors);
            var before = _sent.GetValueOrDefault(key);
            _sent[key] = now;
            var changes = ChangesNodes(field);
            if (before is null || changes.Any(c => Names(c).Contains(nameof(JobPageChange.Initial), StringComparer.OrdinalIgnoreCase)))
            {
                return true;
            }

            if (now == before)
            {
                return false;
            }

            // Only what this selection shows as changed; when the errors moved, the poller's own list stands.
            if (now.Errors == before.Errors)
            {
                HashSet<string> unchanged = new(StringComparer.OrdinalIgnoreCase);
                if (now.Status == before.Status)
                {
                    unchanged.Add(nameof(JobChange.Status));
                }

                if (now.Progress == before.Progress)
                {
                    unchanged.Add(nameof(JobChange.Progress));
                }

                if (now.Detail == before.Detail)
                {
                    unchanged.Add(nameof(JobChange.Detail));
                }

                if (now.TotalCount == before.TotalCount)
                {
                    unchanged.Add(nameof(JobPageChange.TotalCount));
                }

                foreach (var node in changes)
                {
                    var kept = node.Items!.Where(item => item.ToValue() is not string name || !unchanged.Contains(name.Replace("_", "", StringComparison.Ordinal))).ToList();
                    if (kept.Count == 0 && now.Other == before.Other)
                    {
                        // Every part the poller named shows the same values to this selection, and nothing else it shows moved.
                        return false;
                    }

                    // Something else the selection shows moved (not a part changes can name): the poller's reasons stand then.
                    if (kept.Count > 0)
                    {
                        node.Items = kept;
                    }
                }
            }

            return true;
        }

        private static List<ArrayExecutionNode> ChangesNodes(ExecutionNode field) =>
            field is ObjectExecutionNode { SubFields: { } children }
                ? [.. children.OfType<ArrayExecutionNode>().Where(c => c.FieldDefinition.Name == "changes" && c.Items is not null)]
                : [];

        private static IEnumerable<string> Names(ArrayExecutionNode changes) => changes.Items!.Select(i => i.ToValue()).OfType<string>();
    }

    /// <summary>The event as a subscriber sees it, split by what its <c>changes</c> can name.</summary>
    private sealed record Parts(string Status, string Progress, string Detail, string TotalCount, string Other, string Errors)
    {
        public static Parts Of(ExecutionNode field, ExecutionErrors? errors)
        {
            var parts = new Builders();
            if (field is ObjectExecutionNode { Result: not null, SubFields: { } children })
            {
                foreach (var child in children.Where(c => c.FieldDefinition.Name is not ("changes" or "observedAt")))
                {
                    Write(child, parts.Other, parts);
                }
            }
            else
            {
                parts.Other.Append(field.Name).Append("=null;");
            }

            foreach (var error in errors ?? [])
            {
                parts.Errors.Append(error.Code).Append(':').Append(error.Message).Append('@').AppendJoin('/', error.Path ?? []).Append(';');
            }

            return new(parts.Status.ToString(), parts.Progress.ToString(), parts.Detail.ToString(), parts.TotalCount.ToString(), parts.Other.ToString(), parts.Errors.ToString());
        }

        private static void Write(ExecutionNode node, StringBuilder into, Builders parts)
        {
            into.Append(node.Name).Append('=');
            switch (node)
            {
                case ObjectExecutionNode { Result: not null, SubFields: { } children }:
                    var job = Unwrapped(node.GraphType)?.Name == JobTypeName;
                    into.Append('{');
                    foreach (var child in children)
                    {
                        // A Relay cursor names a position and carries the time it was issued: it differs at every
                        // poll while the page shows the same jobs, so it is no part of what the selection shows.
                        if (!job && child.FieldDefinition.Name is "cursor" or "startCursor" or "endCursor")
                        {
                            continue;
                        }

                        if (!job && child.FieldDefinition.Name == "totalCount")
                        {
                            Write(child, parts.TotalCount, parts);
                            continue;
                        }

                        // A job's fields go to the part its changes name; the path keeps jobs of a page apart.
                        var part = !job ? into : child.FieldDefinition.Name switch
                        {
                            "progress" => parts.Progress,
                            "detail" => parts.Detail,
                            _ => parts.Status,
                        };
                        if (job)
                        {
                            part.Append(string.Join('.', node.ResponsePath)).Append(':');
                        }

                        Write(child, part, parts);
                    }

                    into.Append('}');
                    break;
                case ArrayExecutionNode { Result: not null, Items: { } items }:
                    into.Append('[');
                    foreach (var item in items)
                    {
                        Write(item, into, parts);
                    }

                    into.Append(']');
                    break;
                default:
                    into.Append(JsonSerializer.Serialize(node.ToValue()));
                    break;
            }

            into.Append(';');
        }

        private static IGraphType? Unwrapped(IGraphType? type) => type is NonNullGraphType nonNull ? nonNull.ResolvedType : type;
    }

    private sealed class Builders
    {
        public StringBuilder Status { get; } = new();

        public StringBuilder Progress { get; } = new();

        public StringBuilder Detail { get; } = new();

        public StringBuilder TotalCount { get; } = new();

        public StringBuilder Other { get; } = new();

        public StringBuilder Errors { get; } = new();
    }
}
