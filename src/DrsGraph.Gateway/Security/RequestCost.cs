using System.Collections;
using System.Globalization;
using GraphQL;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.Security;

/// <summary>
/// Charges each GraphQL operation what it costs: one permit, plus one per
/// <see cref="RateLimitSettings.JobsPerPermit"/> job IDs it names, so a batch of ten operations over 150
/// jobs is not charged like a one-job query.
/// </summary>
/// <remarks>
/// Charged in two steps, on purpose. The HTTP middleware charges one permit before the body is read: a
/// client over its limit costs us nothing more. The rest is charged here, per operation, once the
/// document is parsed (and its size limits passed): only then are the operations and their job IDs
/// known exactly (literal lists, variables, fragments, aliases), and parsing the body a second time
/// at the HTTP layer would cost more than it saves. An operation whose charge is refused does not run
/// and answers <c>RATE_LIMITED</c>; when every operation of a request is refused the answer is HTTP 429,
/// as it would have been at the door.
/// </remarks>
public static partial class RequestCost
{
    public static async Task<ExecutionResult> ChargeAsync(ExecutionOptions options, Func<ExecutionOptions, Task<ExecutionResult>> next)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(next);
        var services = options.RequestServices;
        if (services?.GetService<CallerRateLimiter>() is not { Enabled: true } limiter
            || services.GetService<IHttpContextAccessor>()?.HttpContext is not { } context)
        {
            return await next(options);
        }

        var permits = PermitsFor(options.Document, options.OperationName, options.Variables, limiter.Settings.JobsPerPermit);
        var charge = context.Features.Get<Charge>();
        if (charge is null)
        {
            // The first operation's first permit was charged by the middleware at the door.
            charge = new Charge();
            context.Features.Set(charge);
            permits--;
        }

        charge.Operations++;
        if (permits <= 0)
        {
            return await next(options);
        }

        using var lease = limiter.AttemptAcquire(context, permits);
        if (lease.IsAcquired)
        {
            return await next(options);
        }

        var seconds = limiter.RetryAfterSeconds(lease);
        limiter.LogRefusal(services.GetRequiredService<ILoggerFactory>().CreateLogger<CallerRateLimiter>(), context, permits, seconds);
        // A WebSocket's operations run after its upgrade was answered: no status or header can be set any more.
        if (charge.Refused++ == 0 && !context.Response.HasStarted)
        {
            context.Response.OnStarting(() =>
            {
                // Nothing of the request ran: the same answer as a refusal at the door.
                if (charge.Refused == charge.Operations && context.Response.StatusCode < StatusCodes.Status500InternalServerError)
                {
                    context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                }

                return Task.CompletedTask;
            });
        }

        if (!context.Response.HasStarted)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        var error = new ExecutionError($"{limiter.RefusalMessage(context, seconds)} This operation names {permits + (charge.Operations == 1 ? 1 : 0)} permits' worth of work (1 + 1 per {limiter.Settings.JobsPerPermit} job IDs).")
        {
            Code = CallerRateLimiter.RateLimitedCode,
        };
        error.Data["retryAfterSeconds"] = seconds;
        return new ExecutionResult { Errors = [error] };
    }

    /// <summary>1 + (job IDs named by the operation) / <paramref name="jobsPerPermit"/>.</summary>
    internal static int PermitsFor(GraphQLDocument? document, string? operationName, Inputs? variables, int jobsPerPermit)
    {
        var jobs = document is null ? 0 : CountJobIds(document, operationName, variables);
        return (int)Math.Min(1_000_000, 1 + Math.Floor(jobs / jobsPerPermit));
    }

    /// <summary>
    /// Job IDs the operation names: the length of every <c>jobs(ids:)</c> list (literal or variable) and 1 per
    /// <c>job(id:)</c>, through fragments and aliases (repeats count again: each is a field to resolve).
    /// Linear: each fragment is counted once and reused; a fragment cycle counts 0 (validation refuses it).
    /// </summary>
    internal static double CountJobIds(GraphQLDocument document, string? operationName, Inputs? variables)
    {
        var fragments = new Dictionary<string, GraphQLFragmentDefinition>(StringComparer.Ordinal);
        foreach (var fragment in document.Definitions.OfType<GraphQLFragmentDefinition>())
        {
            fragments.TryAdd(fragment.FragmentName.Name.StringValue, fragment);
        }

        var memo = new Dictionary<string, double>(StringComparer.Ordinal);
        var inProgress = new HashSet<string>(StringComparer.Ordinal);
        var most = 0d;
        foreach (var operation in document.Definitions.OfType<GraphQLOperationDefinition>())
        {
            if (operationName is null || operation.Name?.StringValue == operationName)
            {
                most = Math.Max(most, Count(operation.SelectionSet));
            }
        }

        return most;

        double Count(GraphQLSelectionSet set)
        {
            var total = 0d;
            foreach (var selection in set.Selections)
            {
                total += selection switch
                {
                    GraphQLField field => IdsOf(field) + (field.SelectionSet is { } child ? Count(child) : 0),
                    GraphQLInlineFragment inline => Count(inline.SelectionSet),
                    GraphQLFragmentSpread spread => FragmentCount(spread.FragmentName.Name.StringValue),
                    _ => 0,
                };
            }

            return total;
        }

        double FragmentCount(string name)
        {
            if (memo.TryGetValue(name, out var known))
            {
                return known;
            }

            if (!fragments.TryGetValue(name, out var fragment) || !inProgress.Add(name))
            {
                return 0;
            }

            var count = Count(fragment.SelectionSet);
            inProgress.Remove(name);
            return memo[name] = count;
        }

        double IdsOf(GraphQLField field)
        {
            var name = field.Name.StringValue;
            if (name == "job")
            {
                return 1;
            }

            if (name != "jobs" || field.Arguments?.Items is not { } arguments)
            {
                return 0;
            }

            foreach (var argument in arguments)
            {
                if (argument.Name.StringValue == "ids")
                {
                    return argument.Value switch
                    {
                        GraphQLListValue list => list.Values?.Count ?? 0,
                        GraphQLVariable variable when variables is not null
                            && variables.TryGetValue(variable.Name.StringValue, out var value)
                            && value is IEnumerable items and not string => items.Cast<object?>().Count(),
                        _ => 1,
                    };
                }
            }

            return 0;
        }
    }

    /// <summary>What one HTTP request has been charged so far, across the operations of a batch.</summary>
    private sealed class Charge
    {
        public int Operations { get; set; }

        public int Refused { get; set; }
    }
}
