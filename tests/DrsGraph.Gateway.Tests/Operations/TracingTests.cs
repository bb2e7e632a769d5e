using System.Diagnostics;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Operations;

[Collection(OperationsTestGroup.Name)]
public sealed class TracingTests(OperationsFixture fixture)
{
    [Fact]
    public async Task A_query_is_traced_from_its_GraphQL_operation_through_the_DataLoader_batch_to_each_DRS_call_and_no_span_holds_the_token()
    {
        var ids = await fixture.Emulator.CreateJobsAsync(3);
        var token = $"secret-token-{Guid.NewGuid():N}";
        using var trace = new TraceRecorder(source => source.Name.StartsWith("DrsGraph.", StringComparison.Ordinal)
            || source.Name is "Microsoft.AspNetCore" or "System.Net.Http");
        var stopped = trace.Stopped;

        // The caller's trace: HttpClient sends it as traceparent, and every span the gateway makes for this request joins it.
        using (trace.Begin())
        {
            (await fixture.A.QueryAsync($"query StatusOfThree {{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ status }} }}", token)).AssertNoErrors();
        }

        var operation = Assert.Single(stopped, span => span.Source.Name == "DrsGraph.GraphQL");

        // The server's request span ends after the response is sent, so possibly after the client has read it.
        for (var wait = 0; wait < 100 && !stopped.Any(span => span.SpanId == operation.ParentSpanId); wait++)
        {
            await Task.Delay(50);
        }

        var spans = stopped.ToArray();
        Assert.Equal("query StatusOfThree", operation.DisplayName);
        Assert.Equal("query", operation.GetTagItem("graphql.operation.type"));
        Assert.Equal("StatusOfThree", operation.GetTagItem("graphql.operation.name"));
        Assert.Equal(0, operation.GetTagItem("graphql.errors"));

        var batch = Assert.Single(spans, span => span.Source.Name == "DrsGraph.DataLoader");
        Assert.Equal(operation.SpanId, batch.ParentSpanId);
        Assert.Equal("JobStatusInfo", batch.GetTagItem("drsgraph.dataloader.loader"));
        Assert.Equal(3, batch.GetTagItem("drsgraph.dataloader.batch_size"));

        var clientBatch = Assert.Single(spans, span => span.Source.Name == "DrsGraph.DrsClient" && span.Kind == ActivityKind.Internal);
        Assert.Equal(batch.SpanId, clientBatch.ParentSpanId);
        Assert.Equal("status", clientBatch.GetTagItem("drs.endpoint"));
        Assert.Equal(3, clientBatch.GetTagItem("drs.batch.ids"));
        Assert.Equal(1, clientBatch.GetTagItem("drs.batch.calls"));

        var call = Assert.Single(spans, span => span.Source.Name == "DrsGraph.DrsClient" && span.Kind == ActivityKind.Client);
        Assert.Equal(clientBatch.SpanId, call.ParentSpanId);
        Assert.Equal("status", call.GetTagItem("drs.endpoint"));
        Assert.Equal("success", call.GetTagItem("outcome"));
        Assert.Equal(200, call.GetTagItem("http.response.status_code"));
        Assert.Equal(3, call.GetTagItem("drs.call.ids"));
        Assert.Matches("^[0-9a-f]{32}$", Assert.IsType<string>(call.GetTagItem("drs.request_id")));

        // The HTTP attempt under the DRS call, and the incoming request above the operation.
        Assert.Contains(spans, span => span.Source.Name == "System.Net.Http" && span.ParentSpanId == call.SpanId);
        Assert.Contains(spans, span => span.Source.Name == "Microsoft.AspNetCore" && span.SpanId == operation.ParentSpanId);

        foreach (var span in spans)
        {
            var recorded = span.TagObjects.Select(tag => $"{tag.Key}={tag.Value}")
                .Concat(span.Baggage.Select(item => $"{item.Key}={item.Value}"))
                .Concat(span.Events.SelectMany(e => e.Tags.Select(tag => $"{tag.Key}={tag.Value}")))
                .Append(span.DisplayName);
            foreach (var text in recorded)
            {
                Assert.DoesNotContain(token, text, StringComparison.Ordinal);
                Assert.DoesNotContain("auth-token", text, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public async Task A_long_operation_name_is_cut_to_100_characters_in_the_span_s_name_and_tag()
    {
        var name = "Q" + new string('A', 50_000);
        using var trace = new TraceRecorder(source => source.Name == "DrsGraph.GraphQL");

        using (trace.Begin())
        {
            (await fixture.A.QueryAsync($"query {name} {{ __typename }}", "token-long-name")).AssertNoErrors();
        }

        var operation = Assert.Single(trace.Stopped);
        Assert.Equal($"query {name[..100]}…", operation.DisplayName);
        Assert.Equal($"{name[..100]}…", operation.GetTagItem("graphql.operation.name"));
    }
}
