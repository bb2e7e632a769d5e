using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.Observability;
using DrsGraph.Gateway.Security;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.GraphQLStreaming;

/// <summary>
/// The long-lived connections of this replica: counted by transport (metric), by caller
/// (<see cref="GraphQLStreamingOptions.MaxConnectionsPerCaller"/>) and by client address
/// (<see cref="GraphQLStreamingOptions.MaxConnectionsPerAddress"/>).
/// </summary>
internal sealed class StreamingConnections(IOptions<GraphQLStreamingOptions> options, IServiceProvider services)
{
    public const string WebSocket = "websocket";
    public const string ServerSentEvents = "sse";

    /// <summary>
    /// The longest operation ID a client may give (a graphql-transport-ws <c>subscribe</c>'s <c>id</c>, a single connection
    /// mode stream's <c>operationId</c>): every message of the operation carries it back, so a megabyte ID (the
    /// WebSocket's message limit) made every event a megabyte, and one client's subscriptions held gigabytes.
    /// </summary>
    public const int MaxOperationIdLength = 128;

    private readonly ConcurrentDictionary<string, int> _perCaller = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _perAddress = new(StringComparer.Ordinal);
    private readonly byte[] _fallbackSecret = RandomNumberGenerator.GetBytes(32);

    /// <summary>
    /// Lines for refused connections (over a ceiling), which a client can cause at will: ten a second at most for the
    /// replica, each saying how many were not logged since the last (as the rate limiter's refusals do).
    /// </summary>
    public LineBudget RefusalLines { get; } = new(10);

    /// <summary>Counts an open connection until disposed.</summary>
    public static IDisposable Open(string transport)
    {
        var tag = new KeyValuePair<string, object?>("transport", transport);
        GatewayTelemetry.OpenConnections.Add(1, tag);
        return new Release(() => GatewayTelemetry.OpenConnections.Add(-1, tag));
    }

    /// <summary>
    /// Drops the connection under <paramref name="context"/> once what was sent on it stays unacknowledged for
    /// <paramref name="timeout"/> (<see cref="GraphQLStreamingOptions.UnacknowledgedTimeout"/>): Linux's TCP_USER_TIMEOUT on
    /// its socket. Elsewhere, or on a transport without a socket, nothing changes.
    /// </summary>
    public static void DropWhenUnacknowledged(HttpContext context, TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero || !OperatingSystem.IsLinux()
            || context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket is not { } socket)
        {
            return;
        }

        try
        {
            socket.SetRawSocketOption(IpProtoTcp, TcpUserTimeout, BitConverter.GetBytes((int)Math.Min(timeout.TotalMilliseconds, int.MaxValue)));
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // The connection is already gone, or the kernel has no such option: TCP's own timeouts apply.
        }
    }

    // <netinet/in.h> IPPROTO_TCP and <netinet/tcp.h> TCP_USER_TIMEOUT (Linux 2.6.37+); .NET names neither.
    private const int IpProtoTcp = 6;
    private const int TcpUserTimeout = 18;

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

    /// <summary>
    /// Takes one of the caller's connection slots and one of its address's, or null (with why in
    /// <paramref name="refusal"/>) when either holds all of them.
    /// </summary>
    public IDisposable? TryAcquire(HttpContext context, string callerKey, out ConnectionRefusal refusal)
    {
        var settings = options.Value;
        if (!TryTake(_perCaller, callerKey, settings.MaxConnectionsPerCaller))
        {
            refusal = new(
                $"This caller already holds {settings.MaxConnectionsPerCaller} open subscription connections (GraphQL:Streaming:MaxConnectionsPerCaller); close one first.",
                $"Too many connections for this caller (at most {settings.MaxConnectionsPerCaller}); try again later");
            return null;
        }

        var address = AddressKey(context);
        var perAddress = settings.EffectiveMaxConnectionsPerAddress;
        if (address is not null && !TryTake(_perAddress, address, perAddress))
        {
            Give(_perCaller, callerKey);
            refusal = new(
                $"This client address already holds {perAddress} open subscription connections (GraphQL:Streaming:MaxConnectionsPerAddress); close one first.",
                $"Too many connections from this address (at most {perAddress}); try again later");
            return null;
        }

        refusal = default;
        return new Release(() =>
        {
            Give(_perCaller, callerKey);
            if (address is not null)
            {
                Give(_perAddress, address);
            }
        });
    }

    // The rate limiter's address key (null when exempt); hosts without the gateway's security count the peer's address.
    private string? AddressKey(HttpContext context) => services.GetService<CallerRateLimiter>() is { } limiter
        ? limiter.AddressKey(context)
        : context.Connection.RemoteIpAddress?.ToString();

    private static bool TryTake(ConcurrentDictionary<string, int> counts, string key, int limit)
    {
        while (true)
        {
            var held = counts.GetValueOrDefault(key);
            if (held >= limit)
            {
                return false;
            }

            if (held == 0 ? counts.TryAdd(key, 1) : counts.TryUpdate(key, held + 1, held))
            {
                return true;
            }
        }
    }

    private static void Give(ConcurrentDictionary<string, int> counts, string key)
    {
        while (true)
        {
            var held = counts.GetValueOrDefault(key);
            if (held == 0)
            {
                return;
            }

            if (held == 1
                ? counts.TryRemove(new KeyValuePair<string, int>(key, held))
                : counts.TryUpdate(key, held - 1, held))
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

/// <summary>Why a connection was refused: the message of the error event or 429, and a WebSocket's close reason (at most 123 bytes).</summary>
internal readonly record struct ConnectionRefusal(string Message, string CloseReason);
