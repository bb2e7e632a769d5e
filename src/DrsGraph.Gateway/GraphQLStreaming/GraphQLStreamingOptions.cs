using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Gateway.GraphQLStreaming;

/// <summary>
/// Limits of the long-lived transports on the GraphQL endpoint (graphql-transport-ws WebSockets and GraphQL over
/// SSE), bound from <c>GraphQL:Streaming</c>.
/// </summary>
public sealed class GraphQLStreamingOptions
{
    public const string SectionName = "GraphQL:Streaming";

    /// <summary>
    /// Operations one WebSocket, or one graphql-sse single connection mode stream (token), may run at once; one more
    /// gets an <c>error</c> message with <c>TOO_MANY_SUBSCRIPTIONS</c> (the socket stays open), or a 429 to its POST
    /// (the stream runs on). Default 100: a screen watches a handful of job
    /// lists; a client that opens more is leaking subscriptions.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxSubscriptionsPerConnection { get; set; } = 100;

    /// <summary>
    /// WebSockets, SSE streams and single connection mode reservations (from the PUT on, streamed or not) one caller
    /// (keyed hash of its token, else its address) may hold on this replica. One more is refused: the socket closes
    /// with 1013 (try again later), the stream answers a <c>TOO_MANY_CONNECTIONS</c> error event, the PUT a 429. Default 50: a user's browser tabs and a few services.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxConnectionsPerCaller { get; set; } = 50;

    /// <summary>
    /// The same connections, counted per client address over all its callers (IPv6 by its /64, behind a trusted proxy
    /// the forwarded address; addresses in <c>Gateway:Security:RateLimit:ExemptAddresses</c> are not counted), and never
    /// fewer than <see cref="MaxConnectionsPerCaller"/> (raising that raises this). Refused the same way. Default 500: the
    /// per-caller limit is per token, and a client sending a new token with each connection had no ceiling at all.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxConnectionsPerAddress { get; set; } = 500;

    /// <summary><see cref="MaxConnectionsPerAddress"/>, or <see cref="MaxConnectionsPerCaller"/> when that is larger: one caller alone may always use its allowance.</summary>
    public int EffectiveMaxConnectionsPerAddress => Math.Max(MaxConnectionsPerAddress, MaxConnectionsPerCaller);

    /// <summary>
    /// How long a WebSocket may stay open without <c>connection_init</c>; then it closes with 4408. Also how long a
    /// single connection mode reservation waits for its stream's GET; then it expires and its token is unknown.
    /// Default 10 s, graphql-ws's own: idle sockets (and reservations) that never stream cost a connection each.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan ConnectionInitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often an idle connection gets a keep-alive: a <c>ping</c> message on a WebSocket (graphql-ws clients
    /// answer <c>pong</c>), a <c>:</c> comment line on an SSE stream. Default 15 s: under the 60 s idle timeouts
    /// of nginx and most load balancers. 0 turns keep-alives off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a WebSocket client has to answer a keep-alive <c>ping</c> with <c>pong</c> (the protocol requires
    /// it; graphql-ws clients do it by themselves); unanswered, the socket closes with 4499 (graphql-ws's "Terminated", which its client retries) and one line is logged.
    /// A peer that vanished without closing (a laptop lid, a dropped NAT entry) otherwise holds its connection,
    /// subscriptions and caller slot until TCP gives up, which takes many minutes. Default 30 s. 0 turns the check
    /// off; it needs <see cref="KeepAliveInterval"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan PongTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long what a stream sent (its events, its keep-alives) may stay unacknowledged by the client's TCP before the
    /// connection is dropped (Linux's <c>TCP_USER_TIMEOUT</c> on WebSocket and SSE connections). An SSE stream has no
    /// pong: a peer that vanished without closing (a laptop lid, a dropped NAT entry) kept its subscriptions, its caller
    /// slot and their DRS polling until TCP gave up, about 15 minutes. Default 60 s, so with the 15 s keep-alives a
    /// vanished peer is gone within about 75 s. 0 leaves the system's default.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan UnacknowledgedTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Results one subscription may have waiting for a slow client. Past it the subscription ends with an error
    /// rather than buffering without bound (the results come from a shared poller that must not wait). Default 256.
    /// A WebSocket's send queue (and a single connection mode stream's) holds at most this many messages too,
    /// whatever operations they belong to: its operations wait for room, so a subscription whose client does not read fills its own queue and ends the
    /// same way, instead of the socket's queue growing.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxPendingResults { get; set; } = 256;

    /// <summary>
    /// Bytes a WebSocket's send queue, or a single connection mode stream's, may hold (a single larger result still
    /// goes out alone). Default 4 MiB:
    /// with <see cref="MaxPendingResults"/> it bounds what a client that stops reading costs, while a reading
    /// client never meets it (the socket drains the queue as fast as the network takes it).
    /// </summary>
    [Range(64 * 1024, 1024L * 1024 * 1024)]
    public long MaxPendingBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// How long one message may take to go out on a WebSocket or an event stream (SendTimeoutStream). A client that stops reading fills the network
    /// buffers, and the send waits; past this the socket is dropped (no close frame can reach such a client)
    /// and one line logged. Default 30 s: far longer than a reading client on a slow link needs for one result.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
