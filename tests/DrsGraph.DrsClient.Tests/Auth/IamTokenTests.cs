using DrsGraph.DrsClient.Auth;
using DrsGraph.DrsClient.Tests.Infrastructure;
using DrsGraph.Emulator.Drs;

namespace DrsGraph.DrsClient.Tests.Auth;

/// <summary>The gateway's own IAM token: obtained from the emulator's IAM, cached, refreshed, single-flight.</summary>
public sealed class IamTokenTests(AuthEmulator emulator) : IClassFixture<AuthEmulator>, IAsyncLifetime
{
    private const string JobId = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    // One for the class, as a host would share one handler; tokens are per source, not per client.
    private static readonly HttpClient Iam = new();
    private ClientHost? _host;
    private int _issuedBefore;

    public async Task InitializeAsync()
    {
        await emulator.Control.ResetAsync();
        _issuedBefore = emulator.Tokens.IssuedCount;
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private IDrsClient Client => (_host ??= ClientHost.Create(emulator.BaseAddress)).Client;

    private int Issued => emulator.Tokens.IssuedCount - _issuedBefore;

    private IamTokenSource Source(TimeProvider clock, string password = AuthEmulator.Password) =>
        new(Iam, new IamPasswordLogin(emulator.BaseAddress, AuthEmulator.Domain, AuthEmulator.User, password, EmulatorFixture.DemoProject), clock);

    private static DrsCaller CallerWith(IamTokenSource source) => new("", EmulatorFixture.DemoProject) { Credential = new IamTokenCredential(source) };

    [Fact]
    public async Task Calls_with_the_obtained_token_are_answered()
    {
        using var source = Source(emulator.ClockAt(TimeSpan.Zero));

        var batch = await Client.GetDetailsAsync(CallerWith(source), [JobId]);

        Assert.True(batch.Results[JobId].IsSuccess, batch.Results[JobId].Error?.Message);
        Assert.Equal(1, Issued);
    }

    [Fact]
    public async Task Fifty_concurrent_first_uses_ask_iam_once()
    {
        using var source = Source(emulator.ClockAt(TimeSpan.Zero));

        var tokens = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(async () => await source.GetTokenAsync(CancellationToken.None))));

        Assert.Single(tokens.Distinct());
        Assert.Equal(1, Issued);
        Assert.Equal(1, source.Acquisitions);
    }

    [Fact]
    public async Task The_token_is_reused_until_an_hour_before_expiry_then_refreshed()
    {
        var clock = emulator.ClockAt(TimeSpan.Zero);
        using var source = Source(clock);
        var first = await source.GetTokenAsync(CancellationToken.None);

        clock.Advance(TimeSpan.FromHours(22.9));
        emulator.Time.Advance(TimeSpan.FromHours(22.9));
        Assert.Equal(first, await source.GetTokenAsync(CancellationToken.None));
        Assert.Equal(1, Issued);

        clock.Advance(TimeSpan.FromHours(0.2));
        emulator.Time.Advance(TimeSpan.FromHours(0.2));
        var second = await source.GetTokenAsync(CancellationToken.None);

        Assert.NotEqual(first, second);
        Assert.Equal(2, Issued);
        var batch = await Client.GetStatusesAsync(CallerWith(source), [JobId]);
        Assert.True(batch.Results[JobId].IsSuccess, batch.Results[JobId].Error?.Message);
    }

    [Fact]
    public async Task An_expired_token_is_refused_by_drs_with_401()
    {
        // A client whose clock stood still while 25 hours passed for IAM and DRS keeps its old token: DRS refuses it.
        var clock = emulator.ClockAt(TimeSpan.Zero);
        using var source = Source(clock);
        await source.GetTokenAsync(CancellationToken.None);
        emulator.Time.Advance(TimeSpan.FromHours(25));

        var batch = await Client.GetStatusesAsync(CallerWith(source), [JobId]);

        var error = batch.Results[JobId].Error;
        Assert.NotNull(error);
        Assert.Equal(DrsErrorKind.Unauthorized, error.Kind);
        Assert.Equal("APIGW.0301", error.Code);
        Assert.Equal(TenantAuthorizer.TokenExpiredMessage, error.Message);
        // Issued a moment ago by this source's clock: DRS's refusal is its verdict, IAM is not asked again.
        Assert.Equal(1, Issued);
    }

    /// <remarks>
    /// A held token DRS refused (revoked, its user's password changed, expired before its expires_at) failed every call
    /// with 401 until its planned refresh, up to a day later.
    /// </remarks>
    [Fact]
    public async Task A_held_token_drs_refuses_is_replaced_and_the_call_made_once_more()
    {
        var clock = emulator.ClockAt(TimeSpan.Zero);
        using var source = Source(clock);
        var first = await source.GetTokenAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(5));
        emulator.Time.Advance(TimeSpan.FromHours(25));

        var batch = await Client.GetStatusesAsync(CallerWith(source), [JobId]);

        Assert.True(batch.Results[JobId].IsSuccess, batch.Results[JobId].Error?.Message);
        Assert.Equal(2, Issued);
        Assert.NotEqual(first, await source.GetTokenAsync(CancellationToken.None));
        Assert.Equal(2, (await emulator.Control.GetRequestsAsync()).Count);
    }

    /// <remarks>
    /// An IAM that could not be reached (or did not answer in time) failed the token request inside the DRS pipeline, as
    /// if DRS were down: retried, counted by the circuit breaker, and one project's IAM opened the region's circuit for
    /// every caller.
    /// </remarks>
    [Fact]
    public async Task An_unreachable_iam_fails_its_calls_as_iam_unavailable_and_does_not_open_the_drs_circuit()
    {
        using var unreachable = new IamTokenSource(Iam, new IamPasswordLogin(new Uri("http://127.0.0.1:1/"), AuthEmulator.Domain, AuthEmulator.User, AuthEmulator.Password, EmulatorFixture.DemoProject), emulator.ClockAt(TimeSpan.Zero));

        for (var i = 0; i < 40; i++)
        {
            var error = (await Client.GetStatusesAsync(CallerWith(unreachable), [JobId])).Results[JobId].Error;
            Assert.NotNull(error);
            Assert.Equal((DrsErrorKind.Unavailable, DrsErrorCodes.IamUnavailable), (error.Kind, error.Code));
        }

        Assert.Empty(await emulator.Control.GetRequestsAsync());
        using var working = Source(emulator.ClockAt(TimeSpan.Zero));
        var answered = (await Client.GetStatusesAsync(CallerWith(working), [JobId])).Results[JobId];
        Assert.True(answered.IsSuccess, answered.Error?.Message);
    }

    [Fact]
    public async Task A_wrong_password_fails_the_call_unauthorized_without_calling_drs()
    {
        using var source = Source(emulator.ClockAt(TimeSpan.Zero), password: "wrong");

        var batch = await Client.GetStatusesAsync(CallerWith(source), [JobId]);

        var error = batch.Results[JobId].Error;
        Assert.NotNull(error);
        Assert.Equal(DrsErrorKind.Unauthorized, error.Kind);
        Assert.Equal(DrsCredentialHandler.IamRefusedCode, error.Code);
        Assert.Empty(await emulator.Control.GetRequestsAsync());
        Assert.Equal(0, Issued);
    }

    /// <remarks>
    /// A token living less than twice RefreshBefore was due for replacement from the moment it was issued (an IAM issuing
    /// 30-minute tokens against the default hour): every DRS call logged in to IAM again. It is replaced half-way instead.
    /// </remarks>
    [Fact]
    public async Task A_token_living_less_than_twice_refresh_before_is_replaced_half_way_through_its_life()
    {
        var clock = emulator.ClockAt(TimeSpan.Zero);
        using var source = new IamTokenSource(Iam, new IamPasswordLogin(emulator.BaseAddress, AuthEmulator.Domain, AuthEmulator.User, AuthEmulator.Password, EmulatorFixture.DemoProject), clock)
        {
            RefreshBefore = TimeSpan.FromHours(20),
        };
        var first = await source.GetTokenAsync(CancellationToken.None);

        clock.Advance(TimeSpan.FromHours(11.9));
        emulator.Time.Advance(TimeSpan.FromHours(11.9));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(first, await source.GetTokenAsync(CancellationToken.None));
        }

        Assert.Equal(1, Issued);
        clock.Advance(TimeSpan.FromHours(0.2));
        emulator.Time.Advance(TimeSpan.FromHours(0.2));
        Assert.NotEqual(first, await source.GetTokenAsync(CancellationToken.None));
        Assert.Equal(2, Issued);
    }

    /// <remarks>
    /// Only 400, 401 and 403 from IAM were handled: a 404 (a wrong IamEndpoint path), a 5xx or a 2xx without a token
    /// escaped the client as an exception, which the gateway logged as an unhandled error with its stack trace.
    /// </remarks>
    [Fact]
    public async Task Iam_failing_otherwise_than_refusing_fails_the_call_as_unavailable_without_calling_drs()
    {
        using var source = new IamTokenSource(Iam, new IamPasswordLogin(new Uri(emulator.BaseAddress, "no-such-iam/"), AuthEmulator.Domain, AuthEmulator.User, AuthEmulator.Password, EmulatorFixture.DemoProject), emulator.ClockAt(TimeSpan.Zero));

        var batch = await Client.GetStatusesAsync(CallerWith(source), [JobId]);

        var error = batch.Results[JobId].Error;
        Assert.NotNull(error);
        Assert.Equal(DrsErrorKind.Unavailable, error.Kind);
        Assert.Equal(DrsErrorCodes.IamUnavailable, error.Code);
        Assert.Equal("IAM did not issue the gateway's token for this project (HTTP 404).", error.Message);
        Assert.Empty(await emulator.Control.GetRequestsAsync());
    }

    [Fact]
    public async Task Neither_the_source_nor_its_login_show_the_password()
    {
        using var source = Source(emulator.ClockAt(TimeSpan.Zero));
        var token = await source.GetTokenAsync(CancellationToken.None);
        var login = new IamPasswordLogin(emulator.BaseAddress, AuthEmulator.Domain, AuthEmulator.User, AuthEmulator.Password, EmulatorFixture.DemoProject);

        Assert.DoesNotContain(AuthEmulator.Password, login.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, new IamTokenCredential(source).ToString(), StringComparison.Ordinal);
        Assert.Equal($"iam:{AuthEmulator.Domain}/{AuthEmulator.User}@{EmulatorFixture.DemoProject}", source.Identity);
    }
}
