using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.GraphQLHttp;
using DrsGraph.Gateway.Jobs;
using DrsGraph.Gateway.Upstream;

// The content root is the output folder: appsettings.json and the IDE's files are copied there,
// so the gateway finds them whatever directory it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// DRS: the typed, resilient client; without Drs:Endpoint, an emulator hosted in this process.
builder.AddDrsUpstream();

// The Job schema, its batching DataLoaders and the caller context (X-Auth-Token, X-Project-Id, X-Language).
builder.AddJobGraph();

// A tenant-safe cache in front of DRS (memory, plus Redis when ConnectionStrings:Redis is set): polling
// frontends would otherwise cost three DRS calls per poll and get throttled.
builder.AddJobCache();

// GraphQL over HTTP: POST/GET /graphql, Banana Cake Pop for browsers, the SDL at /graphql?sdl.
builder.Services.AddGraphQLHttp();

var app = builder.Build();

app.MapGraphQLEndpoint<JobSchema>("/graphql");

await app.RunAsync();
