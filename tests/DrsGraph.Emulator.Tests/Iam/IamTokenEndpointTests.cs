using System.Net;
using System.Text;
using System.Text.Json;
using DrsGraph.Emulator.Tests.Infrastructure;

namespace DrsGraph.Emulator.Tests.Iam;

/// <summary>The emulated IAM's <c>POST /v3/auth/tokens</c>, and DRS calls made with what it issues.</summary>
public sealed class IamTokenEndpointTests : IAsyncLifetime
{
    private const string OtherProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    private EmulatorHost _host = null!;

    public async Task InitializeAsync() => _host = await EmulatorHost.StartAsync(new Dictionary<string, string?>
    {
        ["Emulator:Iam:Users:svc:Password"] = "pw-1",
        ["Emulator:Iam:Users:svc:Domain"] = "dom",
        ["Emulator:Iam:Users:svc:Projects:0"] = EmulatorHost.DemoProject,
    });

    public async Task DisposeAsync() => await _host.App.DisposeAsync();

    private async Task<HttpResponseMessage> AskAsync(string body) =>
        await _host.Client.PostAsync("/v3/auth/tokens", new StringContent(body, Encoding.UTF8, "application/json"));

    private static string Login(string user = "svc", string password = "pw-1", string domain = "dom", string project = EmulatorHost.DemoProject) =>
        JsonSerializer.Serialize(new { auth = new { identity = new { methods = new[] { "password" }, password = new { user = new { name = user, password, domain = new { name = domain } } } }, scope = new { project = new { id = project } } } });

    [Fact]
    public async Task A_valid_login_gets_201_a_subject_token_and_an_expiry_24_hours_later()
    {
        using var response = await AskAsync(Login());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith("MII", Assert.Single(response.Headers.GetValues("X-Subject-Token")), StringComparison.Ordinal);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var token = body.RootElement.GetProperty("token");
        Assert.Equal(EmulatorHost.Start.AddHours(24), token.GetProperty("expires_at").GetDateTimeOffset());
        Assert.Equal(EmulatorHost.DemoProject, token.GetProperty("project").GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("svc", "wrong", "dom", EmulatorHost.DemoProject, HttpStatusCode.Unauthorized)]
    [InlineData("svc", "pw-1", "other-dom", EmulatorHost.DemoProject, HttpStatusCode.Unauthorized)]
    [InlineData("nobody", "pw-1", "dom", EmulatorHost.DemoProject, HttpStatusCode.Unauthorized)]
    [InlineData("svc", "pw-1", "dom", OtherProject, HttpStatusCode.Forbidden)]
    public async Task A_wrong_login_or_project_is_refused_without_a_token(string user, string password, string domain, string project, HttpStatusCode expected)
    {
        using var response = await AskAsync(Login(user, password, domain, project));

        Assert.Equal(expected, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Subject-Token"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)expected, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_body_that_is_not_a_scoped_password_login_is_400()
    {
        using var response = await AskAsync("""{"auth":{"identity":{"methods":["token"]}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task An_issued_token_reads_its_project_until_it_expires_and_never_another()
    {
        using var login = await AskAsync(Login());
        var token = Assert.Single(login.Headers.GetValues("X-Subject-Token"));
        var body = """{"jobs":["9a470239-2308-4bb5-a6bc-1040402fjb21"],"page_req":{"per_page":0}}""";

        var ok = await _host.CallAsync("status", body, token);
        var otherProject = await _host.CallAsync("status", body, token, OtherProject);
        _host.Time.Advance(TimeSpan.FromHours(24));
        var expired = await _host.CallAsync("status", body, token);

        Assert.Equal(200, ok.Status);
        Assert.Equal(403, otherProject.Status);
        Assert.Equal(401, expired.Status);
        Assert.Contains("APIGW.0301", expired.RawBody, StringComparison.Ordinal);
        Assert.Contains("the token expires", expired.RawBody, StringComparison.Ordinal);
    }
}
