using DrsGraph.Gateway.DataSources;

namespace DrsGraph.Gateway.Limits;

/// <summary>
/// The time one HTTP request may still spend waiting for DRS. Set by <see cref="RequestBudgetExtensions.UseRequestBudget"/>
/// as a request feature; the GraphQL layer hands it to each operation's loaders (<see cref="BudgetedJobDataSource"/>).
/// </summary>
/// <remarks>
/// What the budget left unanswered is counted here by every fetch it cut short (each field's batch, each list) and
/// logged once for the whole request or poll (<see cref="LogIfRanOut"/>): a budget running out is one fault, and
/// it used to log a line per field's batch.
/// </remarks>
public sealed partial class RequestBudget(TimeSpan budget, CancellationToken expired)
{
    private int _ranOut;
    private int _waiting;
    private int _held;
    private int _lists;

    /// <summary>The configured total (<c>Gateway:RequestTimeout</c>).</summary>
    public TimeSpan Budget { get; } = budget;

    /// <summary>Cancelled when the budget runs out. Never the request's own abort token.</summary>
    public CancellationToken Expired { get; } = expired;

    /// <summary>A fetch cut short: <paramref name="waiting"/> job fields answer UPSTREAM_TIMEOUT, <paramref name="held"/> from the cache.</summary>
    public void CountRanOut(int waiting, int held)
    {
        Interlocked.Add(ref _waiting, waiting);
        Interlocked.Add(ref _held, held);
        Volatile.Write(ref _ranOut, 1);
    }

    /// <summary>A job list cut short (it answers UPSTREAM_TIMEOUT).</summary>
    public void CountListRanOut()
    {
        Interlocked.Increment(ref _lists);
        Volatile.Write(ref _ranOut, 1);
    }

    /// <summary>
    /// Runs <paramref name="work"/> (a subscription's poll) within a budget of its own of <paramref name="timeout"/>, then
    /// logs what the budget cut short in one line, as a request's is (<see cref="RequestBudgetExtensions.UseRequestBudget"/>).
    /// </summary>
    public static async Task<T> RunAsync<T>(TimeSpan timeout, TimeProvider time, ILogger logger, Func<RequestBudget, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var ends = new CancellationTokenSource(timeout, time);
        var budget = new RequestBudget(timeout, ends.Token);
        try
        {
            return await work(budget);
        }
        finally
        {
            budget.LogIfRanOut(logger);
        }
    }

    /// <summary>Logs the one line for what the budget cut short, when it cut anything; once, when the request or poll is over.</summary>
    public void LogIfRanOut(ILogger logger)
    {
        if (Interlocked.Exchange(ref _ranOut, 0) == 1)
        {
            LogRanOut(logger, Budget.TotalSeconds, Interlocked.Exchange(ref _waiting, 0), Interlocked.Exchange(ref _held, 0), Interlocked.Exchange(ref _lists, 0));
        }
    }

    [LoggerMessage(EventId = 150, Level = LogLevel.Warning, Message = "The {BudgetSeconds} s request budget ran out before DRS answered: {WaitingCount} job fields answer UPSTREAM_TIMEOUT ({HeldCount} more answered from the cache), and {ListCount} job lists")]
    private static partial void LogRanOut(ILogger logger, double budgetSeconds, int waitingCount, int heldCount, int listCount);
}
