using DrsGraph.DrsClient.Auth;
using DrsGraph.DrsClient.Tests.Infrastructure;
using DrsGraph.Emulator.Iam;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.DrsClient.Tests.Auth;

/// <summary>The client signing its calls with AK/SK, against the emulator's own verification.</summary>
public sealed class AkSkSigningTests(AuthEmulator emulator) : IClassFixture<AuthEmulator>, IAsyncLifetime
{
    private const string JobId = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private ClientHost? _host;

    public Task InitializeAsync() => emulator.Control.ResetAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private IDrsClient Client => (_host ??= ClientHost.Create(emulator.BaseAddress)).Client;

    private static DrsCaller Signed(string secret, TimeProvider clock, string project = EmulatorFixture.DemoProject) =>
        new("", project) { Credential = new AkSkCredential(AuthEmulator.AccessKey, secret, clock) };

    [Fact]
    public async Task A_signed_call_is_answered_without_any_token()
    {
        var batch = await Client.GetStatusesAsync(Signed(AuthEmulator.SecretKey, emulator.ClockAt(TimeSpan.Zero)), [JobId]);

        Assert.True(batch.Results[JobId].IsSuccess, batch.Results[JobId].Error?.Message);
        Assert.Equal(200, Assert.Single(await emulator.Control.GetRequestsAsync()).StatusCode);
    }

    [Fact]
    public async Task A_call_signed_with_a_wrong_secret_is_refused_401_and_not_retried()
    {
        var batch = await Client.GetDetailsAsync(Signed("not-the-secret", emulator.ClockAt(TimeSpan.Zero)), [JobId]);

        var error = batch.Results[JobId].Error;
        Assert.NotNull(error);
        Assert.Equal(DrsErrorKind.Unauthorized, error.Kind);
        Assert.Equal("APIGW.0301", error.Code);
        Assert.Equal(AkSkVerifier.SignatureMismatch, error.Message);
        Assert.Equal(401, Assert.Single(await emulator.Control.GetRequestsAsync()).StatusCode);
    }

    [Theory]
    [InlineData(14, true)]
    [InlineData(-14, true)]
    [InlineData(16, false)]
    [InlineData(-16, false)]
    public async Task A_client_clock_off_by_more_than_15_minutes_is_refused(int minutesOff, bool accepted)
    {
        var batch = await Client.GetStatusesAsync(Signed(AuthEmulator.SecretKey, emulator.ClockAt(TimeSpan.FromMinutes(minutesOff))), [JobId]);

        var result = batch.Results[JobId];
        Assert.Equal(accepted, result.IsSuccess);
        if (!accepted)
        {
            Assert.Equal(AkSkVerifier.DateOutOfRange, result.Error?.Message);
        }
    }

    [Fact]
    public async Task A_project_the_key_may_not_read_is_forbidden()
    {
        var batch = await Client.GetProgressAsync(Signed(AuthEmulator.SecretKey, emulator.ClockAt(TimeSpan.Zero), EmulatorFixture.OtherProject), [JobId]);

        Assert.Equal(DrsErrorKind.Forbidden, batch.Results[JobId].Error?.Kind);
    }

    [Fact]
    public async Task A_retried_call_is_signed_again_for_its_own_attempt()
    {
        // The first attempt fails 503. Before the retry both clocks move 20 minutes, past the allowed skew from
        // the first attempt's date: the retry is accepted only because it carries a fresh date and signature.
        var clock = emulator.ClockAt(TimeSpan.Zero);
        await emulator.Control.SetFaultsAsync(new { failNext = 1, failureStatus = 503 });
        var credential = new SteppingCredential(new AkSkCredential(AuthEmulator.AccessKey, AuthEmulator.SecretKey, clock), [clock, emulator.Time], TimeSpan.FromMinutes(20));

        var batch = await Client.GetStatusesAsync(new DrsCaller("", EmulatorFixture.DemoProject) { Credential = credential }, [JobId]);

        Assert.True(batch.Results[JobId].IsSuccess, batch.Results[JobId].Error?.Message);
        Assert.Equal([503, 200], (await emulator.Control.GetRequestsAsync()).Select(r => r.StatusCode));
        Assert.Equal(2, credential.Applied);
    }

    /// <summary>Moves the clocks forward before signing every attempt after the first.</summary>
    private sealed class SteppingCredential(DrsCredential inner, FakeTimeProvider[] clocks, TimeSpan step) : DrsCredential
    {
        public int Applied { get; private set; }

        public override string Identity => inner.Identity;

        public override async ValueTask ApplyAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Applied++ > 0)
            {
                Array.ForEach(clocks, c => c.Advance(step));
            }

            await inner.ApplyAsync(request, cancellationToken);
        }
    }
}
