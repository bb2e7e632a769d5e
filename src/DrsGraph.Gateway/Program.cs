using DrsGraph.Gateway.GraphQLHttp;
using DrsGraph.Gateway.Jobs;
using DrsGraph.Gateway.Security;
using DrsGraph.Gateway.Upstream;

// The content root is the output folder: appsettings.json and the IDE's files are copied there,
// so the gateway finds them whatever directory it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// DRS: the typed, resilient client; without Drs:Endpoint, an emulator hosted in this process.
builder.AddDrsUpstream();

// The Job schema, its batching DataLoaders and the caller context (X-Auth-Token, X-Project-Id, X-Language).
builder.AddJobGraph();

// GraphQL over HTTP: POST/GET /graphql, Banana Cake Pop for browsers, the SDL at /graphql?sdl.
builder.Services.AddGraphQLHttp();

// Security: introspection switch, CORS allow-list, per-caller rate limit on /graphql (Gateway:Security).
builder.AddGatewaySecurity();

// Every request answers within Gateway:RequestTimeout: DRS fields still pending then get UPSTREAM_TIMEOUT.
// Keep it after anything that registers an IJobDataSource (it wraps the last one).
builder.AddRequestBudget();

var app = builder.Build();

// nosniff on every response, CORS, then the rate limiter: before any work is done for a request.
app.UseGatewaySecurity();

// Starts each request's budget clock as it arrives.
app.UseRequestBudget();

app.MapGraphQLEndpoint<JobSchema>("/graphql");

await app.RunAsync();
