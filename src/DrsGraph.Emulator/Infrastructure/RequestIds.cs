namespace DrsGraph.Emulator.Infrastructure;

/// <summary>Gives every response an <c>X-Request-Id</c> (32 hex chars), as the DRS API gateway does.</summary>
public static class RequestIds
{
    private const string Header = "X-Request-Id";
    private static readonly object ItemKey = new();

    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var id = Guid.NewGuid().ToString("N");
        context.Items[ItemKey] = id;
        context.Response.Headers[Header] = id;

        // Again just before the headers go out: an exception handler may have cleared them.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[Header] = id;
            return Task.CompletedTask;
        });
        await next(context);
    });

    /// <summary>The request id of this call (the same one as in the header).</summary>
    public static string GetRequestId(this HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var id) && id is string s ? s : string.Empty;
}
