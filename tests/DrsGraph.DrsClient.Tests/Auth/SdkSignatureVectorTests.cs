using System.Net.Http.Headers;
using System.Text;
using DrsGraph.DrsClient.Auth;

namespace DrsGraph.DrsClient.Tests.Auth;

/// <summary>
/// The signer against signatures it did not compute: the Go SDK's own published vector, and two computed once
/// by <c>sdk_signature_vectors.py</c> (next to this file, an independent implementation of the SDKs'
/// algorithm in Python); its output is pasted here, the test never runs it.
/// </summary>
public sealed class SdkSignatureVectorTests
{
    private static readonly DateTimeOffset SignedAt = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_go_sdks_published_vector_is_reproduced()
    {
        // huaweicloud-sdk-go-v3 core/auth/signer/signer_test.go, "test1": GET /path?limit=1, X-Sdk-Date only.
        var headers = new Dictionary<string, string> { ["X-Sdk-Date"] = "20060102T150405Z" };
        var canonical = SdkHmacSha256Signer.CanonicalRequest("GET", "/path", [new("limit", "1")], headers, SdkHmacSha256Signer.HexSha256([]));
        var signature = SdkHmacSha256Signer.Signature(SdkHmacSha256Signer.StringToSign(canonical, "20060102T150405Z"), "SecretKey");

        Assert.Equal(
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
            SdkHmacSha256Signer.AuthorizationValue("AccessKey", SdkHmacSha256Signer.SignedHeaders(headers), signature));
    }

    [Fact]
    public async Task A_drs_batch_call_is_signed_over_host_content_type_project_and_date()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://drs.eu-de.otc.t-systems.com/v3/054ba152d480d55b2f5dc0069e7ddef0/jobs/batch-status")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"jobs":["9a470239-2308-4bb5-a6bc-1040402fjb21"],"page_req":{"cur_page":1,"per_page":1}}"""))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
            },
        };
        request.Headers.TryAddWithoutValidation("X-Project-Id", "054ba152d480d55b2f5dc0069e7ddef0");

        await SdkHmacSha256Signer.SignAsync(request, "HPUAEXAMPLEAK0000001", "example-secret-key-0123456789", SignedAt, CancellationToken.None);

        Assert.Equal("20261123T080000Z", Assert.Single(request.Headers.GetValues("X-Sdk-Date")));
        Assert.Equal(
            "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=754346326ea0ae1fefebd8f3ff85a1126be682bd5bea44d0c8b456a030ea9abd",
            Assert.Single(request.Headers.GetValues("Authorization")));
    }

    [Fact]
    public async Task Path_and_query_are_escaped_and_sorted_and_a_non_default_port_is_part_of_the_host()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.com:8443/v3/p%201/jobs?Offset=0&limit=10&name=a%20b%2Fc%26d&limit=5");

        await SdkHmacSha256Signer.SignAsync(request, "AK", "SK", SignedAt, CancellationToken.None);

        Assert.Equal(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=8b5d8f7d424b0a6da31aa60aab88fd19a36646634ccc234aabcd6f7ff8d5de6e",
            Assert.Single(request.Headers.GetValues("Authorization")));
    }

    /// <remarks>The host was signed without an IPv6 literal's brackets, which HttpClient sends: DRS refused every call.</remarks>
    [Theory]
    [InlineData("http://[::1]:6322/v3/p/jobs", "[::1]:6322")]
    [InlineData("https://[2001:db8::7]/v3/p/jobs", "[2001:db8::7]")]
    [InlineData("https://drs.example.com:8443/v3/p/jobs", "drs.example.com:8443")]
    public async Task The_host_is_signed_as_httpclient_sends_it(string url, string hostHeader)
    {
        using var implied = new HttpRequestMessage(HttpMethod.Get, url);
        using var explicitHost = new HttpRequestMessage(HttpMethod.Get, url);
        explicitHost.Headers.Host = hostHeader;

        await SdkHmacSha256Signer.SignAsync(implied, "AK", "SK", SignedAt, CancellationToken.None);
        await SdkHmacSha256Signer.SignAsync(explicitHost, "AK", "SK", SignedAt, CancellationToken.None);

        Assert.Equal(Assert.Single(explicitHost.Headers.GetValues("Authorization")), Assert.Single(implied.Headers.GetValues("Authorization")));
    }

    [Fact]
    public async Task Signing_again_replaces_the_date_and_signature_instead_of_adding_a_second_one()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.com/v3/p/jobs");

        await SdkHmacSha256Signer.SignAsync(request, "AK", "SK", SignedAt, CancellationToken.None);
        var first = Assert.Single(request.Headers.GetValues("Authorization"));
        await SdkHmacSha256Signer.SignAsync(request, "AK", "SK", SignedAt.AddSeconds(1), CancellationToken.None);

        Assert.Equal("20261123T080001Z", Assert.Single(request.Headers.GetValues("X-Sdk-Date")));
        Assert.NotEqual(first, Assert.Single(request.Headers.GetValues("Authorization")));
    }
}
