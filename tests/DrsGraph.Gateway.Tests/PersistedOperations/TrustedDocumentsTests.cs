using System.Net;
using DrsGraph.Gateway.Health;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using static DrsGraph.Gateway.Tests.PersistedOperations.PersistedOperationsFixture;

namespace DrsGraph.Gateway.Tests.PersistedOperations;

/// <summary>Trusted documents by id from a folder and a manifest, trusted-only mode and its IDE switch, start-up validation.</summary>
public sealed class TrustedDocumentsTests(PersistedOperationsFixture fixture) : IClassFixture<PersistedOperationsFixture>
{
    private static readonly object Variables = new { id = JobId };

    /// <summary>The text the start-up warm-up runs (<c>StartupWarmUp.Query</c>).</summary>
    private const string WarmUpQuery = "query WarmUp($ids: [ID!]!) { jobs(ids: $ids) { id status phase isTerminal isFailed progress { percent incrementalDelaySeconds remainingSeconds phases { name percent } } detail { name taskType createdAt source { dbType host port } target { dbType instanceName } } } }";

    [Theory]
    [InlineData("id")]
    [InlineData("documentId")]
    [InlineData("doc_id")]
    public async Task A_trusted_document_runs_by_its_id_in_each_parameter_clients_use(string parameter)
    {
        var body = new Dictionary<string, object> { [parameter] = "jobStatus", ["variables"] = Variables };

        var answer = (await PostAsync(fixture.Open, body)).AssertNoErrors();

        Assert.Equal(JobId, (string?)answer.Data!["job"]!["id"]);
        Assert.NotNull((string?)answer.Data["job"]!["status"]);
    }

    [Fact]
    public async Task A_manifest_document_runs_by_id_over_get()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/graphql?id=jobName&variables={Uri.EscapeDataString($$"""{"id":"{{JobId}}"}""")}");
        request.Headers.Accept.ParseAdd(GatewayHost.GraphQLResponseJson);
        request.Headers.Add("X-Auth-Token", Token);

        var answer = (await fixture.Open.SendAsync(request)).AssertNoErrors();

        Assert.NotNull((string?)answer.Data!["job"]!["detail"]!["name"]);
    }

    [Fact]
    public async Task An_unknown_id_is_not_found()
    {
        using var metrics = new PersistedMeterRecorder(fixture.Open.Services);

        var answer = await PostAsync(fixture.Open, new { id = "noSuchDocument" });

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(["PERSISTED_DOCUMENT_NOT_FOUND"], answer.Codes);
        Assert.Equal(1, metrics.Total("drsgraph.persisted.misses"));
    }

    [Fact]
    public async Task Trusted_only_mode_refuses_unknown_text_and_its_registration_but_runs_trusted_ids_texts_and_hashes()
    {
        using var metrics = new PersistedMeterRecorder(fixture.TrustedOnly.Services);
        var unknown = FreshQuery();

        var text = await PostAsync(fixture.TrustedOnly, new { query = unknown });
        var registration = await PostAsync(fixture.TrustedOnly, new { query = unknown, extensions = Extensions(Sha256(unknown)) });
        var byId = await PostAsync(fixture.TrustedOnly, new { id = "jobStatus", variables = Variables });
        var byText = await PostAsync(fixture.TrustedOnly, new { query = JobStatus, variables = Variables });
        var byHash = await PostAsync(fixture.TrustedOnly, new { extensions = Extensions(Sha256(JobName)), variables = Variables });
        // A hash of no trusted document: not NOT_FOUND, which tells an APQ client to send the text (refused as well).
        var unknownHash = await PostAsync(fixture.TrustedOnly, new { extensions = Extensions(Sha256(unknown)) });

        Assert.Equal(["OPERATION_NOT_TRUSTED"], text.Codes);
        Assert.Equal(["OPERATION_NOT_TRUSTED"], registration.Codes);
        Assert.Equal(["OPERATION_NOT_TRUSTED"], unknownHash.Codes);
        Assert.Null(text.Data);
        byId.AssertNoErrors();
        byText.AssertNoErrors();
        Assert.NotNull((string?)byHash.AssertNoErrors().Data!["job"]!["detail"]!["name"]);
        Assert.Equal(3, metrics.Total("drsgraph.persisted.refused", "OPERATION_NOT_TRUSTED"));
        Assert.Equal(0, metrics.Total("drsgraph.persisted.stored"));
    }

    [Fact]
    public async Task The_ide_switch_lets_requests_from_the_gateways_own_ide_page_through_and_nothing_else()
    {
        var ide = new Uri(fixture.TrustedOnly.Client.BaseAddress!, "/graphql").ToString();
        var query = FreshQuery();

        var fromIde = await PostAsync(fixture.TrustedOnly, new { query }, ("Referer", ide));
        var fromElsewhere = await PostAsync(fixture.TrustedOnly, new { query }, ("Referer", "https://evil.example/graphql"));
        var fromAnotherPage = await PostAsync(fixture.TrustedOnly, new { query }, ("Referer", new Uri(fixture.TrustedOnly.Client.BaseAddress!, "/metrics").ToString()));

        Assert.Equal(JobId, (string?)fromIde.AssertNoErrors().Data!["job"]!["id"]);
        Assert.Equal(["OPERATION_NOT_TRUSTED"], fromElsewhere.Codes);
        Assert.Equal(["OPERATION_NOT_TRUSTED"], fromAnotherPage.Codes);
    }

    /// <remarks>
    /// What the real IDE sends (tests/browser/bcp.test.mjs drives it): its fetches come from a web worker, with
    /// Sec-Fetch-Site and a Referer naming the worker's script; its page sends no Referer; its WebSocket upgrade
    /// carries Origin only. Fetch metadata, when present, decides alone.
    /// </remarks>
    [Theory]
    [InlineData(true, "Sec-Fetch-Site", "same-origin")]
    [InlineData(false, "Sec-Fetch-Site", "cross-site")]
    [InlineData(false, "Sec-Fetch-Site", "same-site")]
    [InlineData(false, "Sec-Fetch-Site", "none")]
    [InlineData(true, "Origin", "{self}")]
    [InlineData(false, "Origin", "https://evil.example")]
    [InlineData(false, "Origin", "null")]
    [InlineData(true, "Referer", "{self}/graphql/static/js/graphql-engine.070035a4.chunk.js")]
    [InlineData(false, "Referer", "{self}/graphqlx")]
    [InlineData(false, "Referer", "https://evil.example/graphql/static/js/x.js")]
    public async Task The_ide_switch_knows_the_ides_requests_by_what_browsers_send(bool runs, string header, string value)
    {
        var self = fixture.TrustedOnly.Client.BaseAddress!.GetLeftPart(UriPartial.Authority);

        var answer = await PostAsync(fixture.TrustedOnly, new { query = FreshQuery() }, (header, value.Replace("{self}", self, StringComparison.Ordinal)));

        if (runs)
        {
            Assert.Equal(JobId, (string?)answer.AssertNoErrors().Data!["job"]!["id"]);
        }
        else
        {
            Assert.Equal(["OPERATION_NOT_TRUSTED"], answer.Codes);
        }
    }

    [Fact]
    public async Task Fetch_metadata_from_another_site_outweighs_an_ide_referer()
    {
        var ide = new Uri(fixture.TrustedOnly.Client.BaseAddress!, "/graphql").ToString();

        var answer = await PostAsync(fixture.TrustedOnly, new { query = FreshQuery() }, ("Referer", ide), ("Sec-Fetch-Site", "cross-site"));

        Assert.Equal(["OPERATION_NOT_TRUSTED"], answer.Codes);
    }

    [Fact]
    public async Task A_trusted_document_that_does_not_parse_stops_start_up_naming_it()
    {
        var folder = Directory.CreateTempSubdirectory("drsgraph-bad-trusted-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "broken.graphql"), "query broken { job(id: ");

            var failure = Assert.ThrowsAny<OptionsValidationException>(() => GatewayHost.Builder().WithEmulator(fixture.Emulator)
                .WithSetting("Gateway:PersistedOperations:TrustedDocumentsFolder", folder.FullName)
                .Start());

            Assert.Contains("broken.graphql", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <remarks>
    /// The in-process warm-up sends the gateway's own query text: in trusted-only mode it was refused like a caller's
    /// on every start ("This gateway runs only trusted documents") and readiness reported it failed.
    /// </remarks>
    [Fact]
    public async Task In_trusted_only_mode_the_start_up_warm_up_completes_while_a_caller_sending_its_text_is_still_refused()
    {
        await using var gateway = fixture.Gateway()
            .WithSetting("Gateway:PersistedOperations:OnlyTrustedDocuments", "true")
            .CaptureLogs()
            .Start();

        var (_, body) = await Operations.OperationsFixture.HealthAsync(gateway.Client, HealthExtensions.ReadyPath);

        Assert.Equal("completed", body["checks"]![HealthExtensions.WarmUpCheckName]!["outcome"]!.GetValue<string>());
        gateway.Logs.AssertNone("Start-up warm-up answered with an error");
        var answer = await PostAsync(gateway, new { query = WarmUpQuery, operationName = "WarmUp", variables = new { ids = Array.Empty<string>() } });
        Assert.Equal(["OPERATION_NOT_TRUSTED"], answer.Codes);
    }

    [Fact]
    public void Trusted_only_mode_without_any_trusted_documents_stops_start_up()
    {
        var failure = Assert.ThrowsAny<OptionsValidationException>(() => GatewayHost.Builder().WithEmulator(fixture.Emulator)
            .WithSetting("Gateway:PersistedOperations:OnlyTrustedDocuments", "true")
            .Start());

        Assert.Contains("OnlyTrustedDocuments", failure.Message, StringComparison.Ordinal);
    }
}
