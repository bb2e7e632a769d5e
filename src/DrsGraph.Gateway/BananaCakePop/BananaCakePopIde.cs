using System.Text.Json;
using DrsGraph.Gateway.GraphQLHttp;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace DrsGraph.Gateway.BananaCakePop;

/// <summary>
/// Serves the Banana Cake Pop IDE that the build copies to {content root}/wwwroot/bcp/: its page at the
/// GraphQL endpoint itself (browsers navigating there), its assets and bcp-config.json below it.
/// </summary>
internal sealed class BananaCakePopIde(IWebHostEnvironment environment)
{
    public const string ConfigFileName = "bcp-config.json";

    /// <summary>
    /// Checked in headless Chromium against BCP 18.0.0: no inline scripts, but its settings validation
    /// (ajv) compiles JSON schemas with <c>new Function</c>, so script-src needs 'unsafe-eval' or the
    /// page stays blank. That is the IDE page only; the API responses carry no script. Its CSS-in-JS injects style tags
    /// ('unsafe-inline' styles), its editor may start workers from blob: URLs, and it may talk to
    /// ChilliCream's cloud (sign-in, shared workspaces). Everything else stays same-origin.
    /// </summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        + "img-src 'self' data: blob: https:; font-src 'self' data:; worker-src 'self' blob:; "
        + "connect-src 'self' https://*.chillicream.com https://tunnel.bananacakepop.com; "
        + "manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    private static readonly FileExtensionContentTypeProvider ContentTypes = CreateContentTypes();

    private static readonly JsonSerializerOptions ConfigJson = new(JsonSerializerDefaults.Web);

    private readonly string _root = Path.Combine(environment.ContentRootPath, "wwwroot", "bcp");
    private IFileProvider? _files;
    private string? _indexHtml;

    /// <summary>The IDE's page, with a base href so its relative asset URLs resolve below the endpoint.</summary>
    public async Task ServeIndexAsync(HttpContext context)
    {
        var index = Files.GetFileInfo("index.html");
        if (!index.Exists)
        {
            await WriteNotInstalledAsync(context);
            return;
        }

        if (_indexHtml is null)
        {
            using var reader = new StreamReader(index.CreateReadStream());
            _indexHtml = await reader.ReadToEndAsync(context.RequestAborted);
        }

        var baseHref = (context.Request.PathBase + context.Request.Path).Value!.TrimEnd('/') + "/";
        var html = _indexHtml.Replace("<head>", $"<head><base href=\"{System.Net.WebUtility.HtmlEncode(baseHref)}\"/>", StringComparison.Ordinal);

        AddSecurityHeaders(context.Response);
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(html, context.RequestAborted);
    }

    /// <summary>GET {endpoint}/{**path}: bcp-config.json, the IDE's files, or the page for {endpoint}/.</summary>
    public async Task ServeAssetAsync(HttpContext context)
    {
        var path = context.GetRouteValue("path") as string ?? string.Empty;
        if (path.Length == 0)
        {
            await ServeIndexAsync(context);
            return;
        }

        if (path == ConfigFileName)
        {
            await WriteConfigAsync(context);
            return;
        }

        var file = Files.GetFileInfo(path);
        if (!file.Exists || file.IsDirectory || !ContentTypes.TryGetContentType(path, out var contentType))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        AddSecurityHeaders(context.Response);
        // Files under static/ carry a content hash in their names; the rest may change with an upgrade.
        context.Response.Headers.CacheControl = path.StartsWith("static/", StringComparison.Ordinal)
            ? "public, max-age=31536000, immutable"
            : "no-cache";
        context.Response.ContentType = contentType;
        context.Response.ContentLength = file.Length;
        await context.Response.SendFileAsync(file, context.RequestAborted);
    }

    // Never fall back to a wider folder: without the IDE every asset is simply not found.
    private IFileProvider Files => _files ??= Directory.Exists(_root) ? new PhysicalFileProvider(_root) : new NullFileProvider();

    /// <summary>
    /// What HotChocolate serves: use the URL the IDE was opened at as the endpoint, so it works behind
    /// any proxy or path base; telemetry off (our CSP would block it anyway).
    /// </summary>
    private static async Task WriteConfigAsync(HttpContext context)
    {
        var endpoint = (context.Request.PathBase + context.Request.Path).Value!;
        endpoint = endpoint[..^(ConfigFileName.Length + 1)];
        var config = new BananaCakePopConfig(UseBrowserUrlAsEndpoint: true, Endpoint: endpoint, Title: "DrsGraph", IncludeCookies: false, DisableTelemetry: true);

        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.ContentType = GraphQLMediaTypes.ContentTypeOf(GraphQLMediaTypes.Json);
        await JsonSerializer.SerializeAsync(context.Response.Body, config, ConfigJson, context.RequestAborted);
    }

    private async Task WriteNotInstalledAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(
            $"Banana Cake Pop is not installed in {_root}. Build DrsGraph.Gateway (it runs npm ci) or set GraphQL:Http:EnableIde to false.",
            context.RequestAborted);
    }

    private static void AddSecurityHeaders(HttpResponse response)
    {
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
    }

    private static FileExtensionContentTypeProvider CreateContentTypes()
    {
        var provider = new FileExtensionContentTypeProvider();
        provider.Mappings[".webmanifest"] = "application/manifest+json";
        provider.Mappings[".js"] = "text/javascript; charset=utf-8";
        provider.Mappings[".css"] = "text/css; charset=utf-8";
        provider.Mappings[".json"] = "application/json; charset=utf-8";
        return provider;
    }

    private sealed record BananaCakePopConfig(bool UseBrowserUrlAsEndpoint, string Endpoint, string Title, bool IncludeCookies, bool DisableTelemetry);
}
