using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using DrsGraph.Gateway.Callers;
using Microsoft.AspNetCore.RateLimiting;

namespace DrsGraph.Gateway.Security;

/// <summary>
/// A token bucket per caller on the GraphQL endpoint. Callers are told apart by a hash of their
/// <c>X-Auth-Token</c> (the limiter keeps its keys in memory: never the token itself), else by IP.
/// </summary>
internal static partial class CallerRateLimiting
{
    public const string RateLimitedCode = "RATE_LIMITED";

    /// <summary>The path the limiter guards; the IDE's static assets below it are not counted.</summary>
    private static readonly PathString GraphQLPath = new("/graphql");

    public static void Configure(RateLimiterOptions options, RateLimitSettings settings)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            settings.Enabled && IsGraphQL(context.Request.Path)
                ? RateLimitPartition.GetTokenBucketLimiter(PartitionKey(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = settings.BurstLimit,
                    TokensPerPeriod = settings.TokensPerPeriod,
                    ReplenishmentPeriod = settings.ReplenishmentPeriod,
                    AutoReplenishment = true,
                    // Refuse at once: queueing would only hold connections open and hide the limit from the caller.
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter("unlimited"));
        options.OnRejected = (context, cancellationToken) => RejectAsync(context, settings, cancellationToken);
    }

    private static bool IsGraphQL(PathString path) => path.Equals(GraphQLPath, StringComparison.OrdinalIgnoreCase)
        || path.Equals(GraphQLPath.Add("/"), StringComparison.OrdinalIgnoreCase);

    /// <summary><c>t:</c> + the first 128 bits of SHA-256(token), or <c>ip:</c> + the remote address.</summary>
    internal static string PartitionKey(HttpContext context)
    {
        var token = context.Request.Headers[CallerContextBuilder.AuthTokenHeader].ToString();
        if (token.Length > 0)
        {
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(Encoding.UTF8.GetBytes(token), hash);
            return "t:" + Convert.ToHexString(hash[..16]);
        }

        return "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, RateLimitSettings settings, CancellationToken cancellationToken)
    {
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : settings.ReplenishmentPeriod;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var response = rejected.HttpContext.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        response.ContentType = "application/json; charset=utf-8";
        var logger = rejected.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CallerRateLimiting));
        var partition = PartitionKey(rejected.HttpContext);
        LogRejected(logger, partition, seconds);

        // GraphQL-shaped, so clients that only read `errors` still learn what happened and when to retry.
        var message = $"Too many requests from this caller: at most {settings.BurstLimit} at once and {settings.TokensPerPeriod} per {settings.ReplenishmentPeriod.TotalSeconds:0.###} s. Retry after {seconds} s.";
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteStartArray("errors");
        writer.WriteStartObject();
        writer.WriteString("message", message);
        writer.WriteStartObject("extensions");
        writer.WriteString("code", RateLimitedCode);
        writer.WriteNumber("retryAfterSeconds", seconds);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rate limited caller {Partition}; told to retry after {RetryAfterSeconds} s")]
    private static partial void LogRejected(ILogger logger, string partition, int retryAfterSeconds);
}
