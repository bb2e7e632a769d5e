using GraphQL;
using GraphQL.Validation;
using GraphQL.Validation.Rules.Custom;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Security;

public static class SecurityExtensions
{
    /// <summary>Request headers a browser page may send cross-origin: the caller's and GraphQL over HTTP's.</summary>
    public static readonly string[] CorsAllowedHeaders = ["X-Auth-Token", "X-Project-Id", "X-Language", "Content-Type", "GraphQL-Require-Preflight"];

    /// <summary>
    /// <c>Gateway:Security</c>: document size limits, the introspection switch, the CORS allow-list and the per-caller rate limiter.
    /// Pair with <see cref="UseGatewaySecurity"/>.
    /// </summary>
    public static WebApplicationBuilder AddGatewaySecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GatewaySecurityOptions>().BindConfiguration(GatewaySecurityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // Size limits on the parsed document, before validation (which is itself costly on huge documents).
        // Validated documents are cached: repeated queries skip parsing and the document-only rules.
        services.AddOptions<DocumentLimitOptions>().BindConfiguration(DocumentLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ValidatedDocumentCache>();
        services.AddGraphQL(graphQL => graphQL.ConfigureExecution((options, next) =>
            DocumentLimits.EnforceAsync(
                options,
                o => next(o),
                options.RequestServices?.GetService<IOptions<DocumentLimitOptions>>()?.Value ?? new DocumentLimitOptions(),
                options.RequestServices?.GetService<ValidatedDocumentCache>())));

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
                .WithMethods(HttpMethods.Get, HttpMethods.Post)
                .WithHeaders(CorsAllowedHeaders)
                .SetPreflightMaxAge(cors.PreflightMaxAge)));
        }

        services.AddRateLimiter(_ => { });
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>()
            .Configure<IOptions<GatewaySecurityOptions>>((options, security) => CallerRateLimiting.Configure(options, security.Value.RateLimit));
        return builder;
    }

    /// <summary><c>X-Content-Type-Options: nosniff</c> everywhere, then CORS (when origins are allowed), then the rate limiter.</summary>
    public static WebApplication UseGatewaySecurity(this WebApplication app)
    {
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
