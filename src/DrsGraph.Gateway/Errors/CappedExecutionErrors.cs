using GraphQL;
using GraphQL.Execution;

namespace DrsGraph.Gateway.Errors;

/// <summary>
/// An operation's field errors, at most <c>Gateway:Limits:MaxErrors</c> of them; the rest are counted by one last
/// <c>TOO_MANY_ERRORS</c> error (their fields are null all the same).
/// </summary>
/// <remarks>
/// The answer-size estimate counts fields, and a field that fails writes an error ten times its own size: one small
/// query asking 400 aliases of the status of 500 unknown jobs passed the estimate and built 200 000 errors.
/// </remarks>
internal sealed class CappedExecutionErrors(int max) : ExecutionErrors
{
    private readonly Lock _lock = new();
    private LeftOutErrors? _leftOut;

    /// <summary>True once errors are being left out: a resolver may then skip building one.</summary>
    public bool IsFull => Volatile.Read(ref _leftOut) is not null;

    public override void Add(ExecutionError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        lock (_lock)
        {
            if (_leftOut is { } leftOut)
            {
                leftOut.Count++;
            }
            else if (Count < max)
            {
                base.Add(error);
            }
            else
            {
                var first = new LeftOutErrors(max) { Count = 1 };
                base.Add(first);
                Volatile.Write(ref _leftOut, first);
            }
        }
    }

    /// <summary>Counts an error a resolver did not build because the answer already lists as many as it may.</summary>
    public void CountLeftOut()
    {
        lock (_lock)
        {
            _leftOut!.Count++;
        }
    }

    public override void AddRange(IEnumerable<ExecutionError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var error in errors)
        {
            Add(error);
        }
    }

    /// <summary>Puts the cap on every operation's errors as it starts executing.</summary>
    internal sealed class Listener(int max) : DocumentExecutionListenerBase
    {
        public override Task BeforeExecutionAsync(IExecutionContext context)
        {
            if (context is GraphQL.Execution.ExecutionContext execution && execution.Errors is not CappedExecutionErrors)
            {
                var capped = new CappedExecutionErrors(max);
                if (execution.Errors.Count > 0)
                {
                    capped.AddRange(execution.Errors);
                }

                execution.Errors = capped;
            }

            return Task.CompletedTask;
        }
    }

    private sealed class LeftOutErrors : ExecutionError
    {
        private readonly int _max;

        public LeftOutErrors(int max)
            : base("")
        {
            _max = max;
            Code = GatewayErrorCodes.TooManyErrors;
        }

        public int Count { get; set; }

        public override string Message =>
            $"{Count} more field error(s) were left out of this answer, which lists at most {_max} (Gateway:Limits:MaxErrors); their fields are null. Ask for fewer jobs or fields.";
    }
}
