using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DrsGraph.Gateway.Tests.Faults;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// The response buffer is a pooled array (16 KB to start) counted against GraphQL:Http:MaxResponseBytes: an answer
/// that outgrows it several times arrives whole, byte for byte, with a true Content-Length, and the ceiling is exact.
/// </summary>
public sealed class ResponseCeilingBoundaryTests
{
    [Fact]
    public async Task An_answer_of_several_segments_arrives_whole_and_the_ceiling_is_exact_to_the_byte()
    {
        byte[] whole;
        await using (var roomy = await StartAsync(maxResponseBytes: null))
        {
            whole = await IntrospectAsync(roomy, HttpStatusCode.OK);
            // The IDE's introspection is about 50 KB: the rented array grows past its first 16 KB.
            Assert.True(whole.Length > 3 * 16 * 1024, $"the answer is {whole.Length} bytes");
            using var parsed = JsonDocument.Parse(whole);
            Assert.False(parsed.RootElement.TryGetProperty("errors", out _));

            // Same answer again from the same process: a rented array reused does not leak the previous answer.
            Assert.Equal(whole, await IntrospectAsync(roomy, HttpStatusCode.OK));
        }

        await using (var exact = await StartAsync(maxResponseBytes: whole.Length))
        {
            Assert.Equal(whole, await IntrospectAsync(exact, HttpStatusCode.OK));
        }

        await using (var oneShort = await StartAsync(maxResponseBytes: whole.Length - 1))
        {
            var refused = await IntrospectAsync(oneShort, HttpStatusCode.BadRequest);
            using var parsed = JsonDocument.Parse(refused);
            Assert.Equal("RESPONSE_TOO_LARGE", parsed.RootElement.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());

            // A refusal reuses the buffer; the next small answer is not polluted by the discarded bytes.
            (await oneShort.QueryAsync("{ __typename }")).AssertNoErrors();
        }
    }

    private static Task<GatewayRig> StartAsync(int? maxResponseBytes)
    {
        var settings = GatewayRig.With(null, ("Gateway:Security:RateLimit:Enabled", "false"));
        if (maxResponseBytes is { } ceiling)
        {
            settings["GraphQL:Http:MaxResponseBytes"] = ceiling.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return GatewayRig.StartAsync(settings);
    }

    private static async Task<byte[]> IntrospectAsync(GatewayRig rig, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query = Amplifiers.IdeIntrospectionQuery }) };
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        request.Headers.Add("X-Auth-Token", GatewayRig.Token);
        using var response = await rig.Client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        return body;
    }
}
