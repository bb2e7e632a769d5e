using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.Observability;
using DrsGraph.Gateway.Security;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.GraphQLStreaming;

/// <summary>
/// The long-lived connections of this replica: counted by transport (metric) and by caller
/// (<see cref="GraphQLStreamingOptions.MaxConnectionsPerCaller"/>).
/// </summary>
internal sealed class StreamingConnections(IOptions<GraphQLStreamingOptions> options, IServiceProvider services)
{
    public const string WebSocket = "websocket";
    public const string ServerSentEvents = "sse";

    private readonly ConcurrentDictionary<string, int> _perCaller = new(StringComparer.Ordinal);
    private readonly byte[] _fallbackSecret = RandomNumberGenerator.GetBytes(32);

    /// <summary>Counts an open connection until disposed.</summary>
    public static IDisposable Open(string transport)
    {
        var tag = new KeyValuePair<string, object?>("transport", transport);
        GatewayTelemetry.OpenConnections.Add(1, tag);
        return new Release(() => GatewayTelemetry.OpenConnections.Add(-1, tag));
    }

    /// <summary>Counts one result sent on a long-lived connection.</summary>
    public static void CountSent(string transport) => GatewayTelemetry.EventsSent.Add(1, new KeyValuePair<string, object?>("transport", transport));

    /// <summary>
    /// The caller's key: the rate limiter's (a keyed hash of its token, never the token, else its address), so
    /// both limits count the same caller and logs can name it.
    /// </summary>
    public string CallerKey(HttpContext context)
    {
        if (services.GetService<CallerRateLimiter>() is { } limiter)
        {
            return limiter.PartitionKey(context);
        }

        // Hosts without the gateway's security (endpoint tests): the same shape with a per-process key.
        var token = CallerRateLimiter.CallerToken(CallerHeaders.Of(context));
        return token.Length > 0
            ? "t:" + Convert.ToHexStringLower(HMACSHA256.HashData(_fallbackSecret, Encoding.UTF8.GetBytes(token))[..16])
            : "ip:" + context.Connection.RemoteIpAddress;
    }

    /// <summary>Takes one of the caller's connection slots, or null when it holds all of them.</summary>
    public IDisposable? TryAcquire(string callerKey)
    {
        var limit = options.Value.MaxConnectionsPerCaller;
        while (true)
        {
            var held = _perCaller.GetValueOrDefault(callerKey);
            if (held >= limit)
            {
                return null;
            }

            if (held == 0 ? _perCaller.TryAdd(callerKey, 1) : _perCaller.TryUpdate(callerKey, held + 1, held))
            {
                return new Release(() => ReleaseSlot(callerKey));
            }
        }
    }

    private void ReleaseSlot(string callerKey)
    {
        while (true)
        {
            var held = _perCaller.GetValueOrDefault(callerKey);
            if (held == 0)
            {
                return;
            }

            if (held == 1
                ? _perCaller.TryRemove(new KeyValuePair<string, int>(callerKey, held))
                : _perCaller.TryUpdate(callerKey, held - 1, held))
            {
                return;
            }
        }
    }

    private sealed class Release(Action release) : IDisposable
    {
        private Action? _release = release;

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }
}
