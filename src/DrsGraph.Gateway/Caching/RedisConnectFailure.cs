namespace DrsGraph.Gateway.Caching;

/// <summary>
/// Why a Redis connection did not come up, from the client's connect log: Redis refusing the connection string's
/// credentials (a wrong or missing password or user, NOAUTH/WRONGPASS) is told apart from Redis not answering, which
/// it otherwise reads like (the client keeps retrying either way, and its exceptions say only "timeout").
/// </summary>
/// <remarks>
/// The log is searched, never logged: it may name the endpoint and the user. StackExchange.Redis writes
/// "Connection failed: host:port (Interactive, AuthenticationFailure)" when the handshake's AUTH is refused, and uses the
/// same failure type for a TLS handshake that fails, so the two are told apart by Redis's own error words.
/// </remarks>
internal static class RedisConnectFailure
{
    /// <summary>
    /// The reason to log for a connection that is not up, from <paramref name="evidence"/> (the connect log, or a
    /// failure's type and exception); null when nothing better than "could not connect" is known.
    /// </summary>
    public static string? Describe(string? evidence)
    {
        if (evidence is null || !evidence.Contains(nameof(StackExchange.Redis.ConnectionFailureType.AuthenticationFailure), StringComparison.Ordinal))
        {
            return null;
        }

        return evidence.Contains("NOAUTH", StringComparison.Ordinal) || evidence.Contains("WRONGPASS", StringComparison.Ordinal)
            ? "it refused the credentials of ConnectionStrings:Redis (check its password= and user=)"
            : "its TLS or authentication handshake failed (check ConnectionStrings:Redis's ssl=, password= and user=)";
    }

    /// <summary>
    /// What to add to "could not connect" for a connection string with <c>ssl=true</c>: a Redis without TLS on that port
    /// takes the connection and never answers the handshake, which reads as an unreachable server (a timeout).
    /// </summary>
    public static string TlsHint(string connectionString)
    {
        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(connectionString).Ssl
                ? " (ConnectionStrings:Redis has ssl=true: a Redis that does not speak TLS on that port never completes the handshake)"
                : "";
        }
        catch (ArgumentException)
        {
            return "";
        }
    }
}
