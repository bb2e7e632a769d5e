using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace DrsGraph.Emulator.Iam;

/// <summary>
/// <c>POST /v3/auth/tokens</c>, the password method with a project scope, as IAM answers it: 201, the token in
/// <c>X-Subject-Token</c>, <c>token.expires_at</c> in the body. Wrong user, password or domain: 401; a project
/// the user may not scope to: 403; a body that is not such a request: 400.
/// </summary>
public static class IamApi
{
    private static readonly string[] PasswordMethod = ["password"];

    public static IEndpointRouteBuilder MapIamApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v3/auth/tokens", IssueAsync);
        return routes;
    }

    private static async Task<IResult> IssueAsync(HttpRequest request, IamTokenStore tokens, IOptionsMonitor<IamOptions> options, CancellationToken cancellationToken)
    {
        string? name, password, domain, project;
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            var auth = doc.RootElement.GetProperty("auth");
            var user = auth.GetProperty("identity").GetProperty("password").GetProperty("user");
            name = user.GetProperty("name").GetString();
            password = user.GetProperty("password").GetString();
            domain = user.GetProperty("domain").GetProperty("name").GetString();
            project = auth.GetProperty("scope").GetProperty("project").GetProperty("id").GetString();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Error(StatusCodes.Status400BadRequest, "Bad Request", "The request body is not a password token request with a project scope.");
        }

        var settings = options.CurrentValue;
        if (name is null || !settings.Users.TryGetValue(name, out var known) || known.Password != password || known.Domain != domain)
        {
            return Error(StatusCodes.Status401Unauthorized, "Unauthorized", "The username or password is wrong.");
        }

        if (project is null || !known.Projects.Contains(project, StringComparer.Ordinal))
        {
            return Error(StatusCodes.Status403Forbidden, "Forbidden", "You are not authorized to access this project.");
        }

        var issued = tokens.Issue(name, project, settings.TokenLifetime);
        request.HttpContext.Response.Headers["X-Subject-Token"] = issued.Value;
        return Results.Json(new
        {
            token = new
            {
                expires_at = issued.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'000Z'", CultureInfo.InvariantCulture),
                issued_at = issued.IssuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'000Z'", CultureInfo.InvariantCulture),
                methods = PasswordMethod,
                project = new { id = project, domain = new { name = domain } },
                user = new { name, domain = new { name = domain } },
            },
        }, statusCode: StatusCodes.Status201Created);
    }

    // IAM's own error shape (not DRS's error_code/error_msg).
    private static IResult Error(int status, string title, string message) =>
        Results.Json(new { error = new { code = status, message, title } }, statusCode: status);
}
