using System.Net;
using DrsGraph.Gateway.Limits;
using GraphQL;
using GraphQL.Validation;
using GraphQL.Validation.Rules.Custom;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace DrsGraph.Gateway.Security;

public static class SecurityExtensions
{
    /// <summary>
    /// Request headers a browser page may send cross-origin: the caller's, GraphQL over HTTP's, and the stream token of
    /// graphql-sse's single connection mode.
    /// </summary>
    // The caller's headers and the preflight headers the CSRF guard accepts (a browser whose preflight did not allow one
    // never sent the request: Authorization and Apollo's were missing), Content-Type, and single connection SSE's token.
    public static readonly string[] CorsAllowedHeaders =
        [.. GraphQLHttp.CsrfGuard.CallerHeaders, HeaderNames.Authorization, HeaderNames.ContentType, .. GraphQLHttp.CsrfGuard.PreflightHeaders, "X-GraphQL-Event-Stream-Token"];

    /// <summary>Response headers a listed origin's scripts may read: when to retry after a 429 or 503.</summary>
    public static readonly string[] CorsExposedHeaders = ["Retry-After"];

    /// <summary>
    /// <c>Gateway:Security</c>: the introspection switch, the CORS allow-list and the per-caller rate limiter; also runs the
    /// document limits (their settings are <see cref="QueryLimitOptions"/>, <c>Gateway:Limits</c>) ahead of the rate limiter's
    /// per-operation charge, which needs the parsed document. Pair with <see cref="UseGatewaySecurity"/>.
    /// </summary>
    public static WebApplicationBuilder AddGatewaySecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GatewaySecurityOptions>().BindConfiguration(GatewaySecurityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // Size limits on the parsed document, before validation (which is itself costly on huge documents).
        // Validated documents are cached: repeated queries skip parsing and the document-only rules.
        services.AddSingleton<ValidatedDocumentCache>();
        // The schema's list sizes and introspection shape, for the result-size estimate (one instance per schema).
        services.AddSingleton<DocumentShape>();
        // What large operations hold together in memory (Gateway:Limits:MaxResultFieldsInFlight).
        services.AddSingleton<ResultFieldsInFlight>();
        services.AddGraphQL(graphQL => graphQL.ConfigureExecution((options, next) =>
            DocumentLimits.EnforceAsync(
                options,
                o => next(o),
                options.RequestServices?.GetService<IOptions<QueryLimitOptions>>()?.Value ?? new QueryLimitOptions(),
                options.RequestServices?.GetService<ValidatedDocumentCache>())));

        // Rate limit, second step: each operation is charged by the job IDs it names, once parsed (see RequestCost).
        // Registered after the document limits, which hand it the parsed document.
        services.AddHttpContextAccessor();
        services.AddGraphQL(graphQL => graphQL.ConfigureExecution((options, next) => RequestCost.ChargeAsync(options, o => next(o))));

        // GraphQL.NET's own rule: __schema and __type are refused at validation, __typename still works.
        services.AddGraphQL(graphQL => graphQL.ConfigureExecutionOptions(options =>
        {
            var security = options.RequestServices?.GetService<IOptions<GatewaySecurityOptions>>()?.Value;
            if (security is { EnableIntrospection: false })
            {
                options.ValidationRules = (options.ValidationRules ?? DocumentValidator.CoreRules).Append(NoIntrospectionValidationRule.Instance);
                options.CachedDocumentValidationRules = (options.CachedDocumentValidationRules ?? []).Append(NoIntrospectionValidationRule.Instance);
            }
        }));

        var cors = builder.Configuration.GetSection(GatewaySecurityOptions.SectionName).Get<GatewaySecurityOptions>()?.Cors ?? new CorsSettings();
        if (cors.AllowedOrigins.Length > 0)
        {
            services.AddCors(options => options.AddDefaultPolicy(policy => policy
                .WithOrigins(cors.AllowedOrigins)
                // PUT reserves and DELETE stops an operation in graphql-sse's single connection mode; both always cost
                // a preflight, so allowing them for listed origins opens nothing to other pages.
                .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete)
                .WithHeaders(CorsAllowedHeaders)
                .WithExposedHeaders(CorsExposedHeaders)
                .SetPreflightMaxAge(cors.PreflightMaxAge)));
        }

        // Rate limit, first step: one permit per request at the door, per caller and per client address.
        services.AddSingleton<CallerRateLimiter>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>()
            .Configure<CallerRateLimiter>((options, limiter) => limiter.Configure(options));

        // The client address behind trusted proxies (X-Forwarded-For), for the per-address limit and the logs.
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<GatewaySecurityOptions>>((options, security) =>
        {
            var trusted = security.Value.ForwardedHeaders;
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            options.ForwardLimit = trusted.ForwardLimit;
            // ASP.NET Core trusts loopback by default; only what is configured is trusted here.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in trusted.KnownProxies)
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in trusted.KnownNetworks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return builder;
    }

    /// <summary>
    /// The client address from trusted proxies (when any are configured), <c>X-Content-Type-Options: nosniff</c>
    /// everywhere, then CORS (when origins are allowed), then the rate limiter.
    /// </summary>
    public static WebApplication UseGatewaySecurity(this WebApplication app)
    {
        // Builds the schema and sizes its introspection lists now, not on the first request.
        app.Services.GetRequiredService<DocumentShape>();

        // Without trusted proxies X-Forwarded-For is ignored: any client could write it.
        if (app.Services.GetRequiredService<IOptions<GatewaySecurityOptions>>().Value.ForwardedHeaders.Enabled)
        {
            app.UseForwardedHeaders();
        }

        // Set first thing, so even error answers of later middleware carry it: no browser should ever
        // guess a JSON error body to be HTML.
        app.Use((context, next) =>
        {
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return next(context);
        });

        if (app.Services.GetRequiredService<IOptions<GatewaySecurityOptions>>().Value.Cors.AllowedOrigins.Length > 0)
        {
            app.UseCors();
        }

        app.UseRateLimiter();
        return app;
    }
}
