using System.Diagnostics;
using System.Net;
using DrsGraph.Gateway.Tests.Faults;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Hosting;

/// <summary>
/// A bad or missing <c>Drs:Endpoint</c> stops start-up with a message naming it; the embedded emulator
/// (invented jobs, a demo token) serves only in Development or when asked for.
/// </summary>
public sealed class StartupConfigurationTests
{
    private const string ReadmeJob = "9a470239-2308-4bb5-a6bc-1040402fjb21";

    [Theory]
    [InlineData("notaurl", "Development", "not an absolute http(s) URL")]
    [InlineData("ftp://x", "Development", "not an absolute http(s) URL")]
    [InlineData("https://127.0.0.1:0", "Production", "names port 0")]
    [InlineData("/drs/v3", "Development", "not an absolute http(s) URL")]
    [InlineData("https://", "Production", "https://")]
    [InlineData("file:///etc/passwd", "Production", "not an absolute http(s) URL")]
    [InlineData("http://127.0.0.1:9", "Production", "plain http outside the Development environment")]
    [InlineData("http://drs.example.com", "Staging", "Drs:AllowInsecureEndpoint")]
    [InlineData("https://admin:s3cret-pw@drs.example.com", "Production", "'https://drs.example.com/' carries a user name or password")]
    [InlineData("https://drs.example.com/v3/054ba152d480d55b2f5dc0069e7ddef0", "Production", "already contains the API path '/v3/...'")]
    [InlineData("https://drs.example.com/proxy/V3/", "Production", "already contains the API path '/v3/...'")]
    [InlineData("https://drs.example.com/drs?sig=s3cret-pw", "Production", "'https://drs.example.com/drs' has a query string or fragment")]
    [InlineData("https://drs.example.com/#s3cret-pw", "Production", "'https://drs.example.com/' has a query string or fragment")]
    [InlineData("https://drs.example.com?", "Production", "'https://drs.example.com/' has a query string or fragment")]
    [InlineData("https://admin:s3cret-pw@drs.example.com/?x=1", "Production", "'https://drs.example.com/' carries a user name or password")]
    public void A_bad_drs_endpoint_stops_start_up_naming_the_setting(string endpoint, string environment, string reason)
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder().WithSettings(new Dictionary<string, string?> { ["environment"] = environment, ["Drs:Endpoint"] = endpoint }).Start());

        Assert.Contains("Drs:Endpoint", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis://localhost:6379", "ConnectionStrings:Redis is unusable: it is a redis:// URL")]
    [InlineData("rediss://:s3cret-pw@cache.example.com:6380", "ConnectionStrings:Redis is unusable: it is a redis:// URL")]
    [InlineData(":::", "ConnectionStrings:Redis is unusable: one of its endpoints is not a host name or address")]
    [InlineData("localhost:6379,password=s3cret-pw,nosuchoption=1", "ConnectionStrings:Redis is unusable")]
    [InlineData("password=s3cret-pw", "it names no host:port")]
    [InlineData("a b c", "not a host name or address")]
    [InlineData("localhost:99999,password=s3cret-pw", "ConnectionStrings:Redis is unusable")]
    // A password holding the separator: its tail reads as an unknown keyword, or as a value, that the parser's message quoted.
    [InlineData("localhost:6379,password=abc,s3cret-pw=1", "refused one of its options")]
    [InlineData("localhost:6379,password=abc,ssl=s3cret-pw", "refused one of its options")]
    public void An_unusable_redis_connection_string_stops_start_up_saying_why(string connectionString, string reason)
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder().WithSettings(new Dictionary<string, string?>
        {
            ["environment"] = "Production",
            ["Drs:Endpoint"] = "https://drs.example.com",
            ["ConnectionStrings:Redis"] = connectionString,
        }).Start());

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Development", null)]
    [InlineData("Production", "true")]
    public async Task A_plain_http_endpoint_works_in_Development_or_when_explicitly_allowed(string environment, string? allowInsecure)
    {
        var settings = GatewayRig.With(null, ("environment", environment));
        if (allowInsecure is not null)
        {
            settings["Drs:AllowInsecureEndpoint"] = allowInsecure;
        }

        await using var rig = await GatewayRig.StartAsync(settings);

        var answer = await rig.QueryAsync($"{{ job(id: \"{ReadmeJob}\") {{ status }} }}");

        answer.AssertNoErrors();
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void Outside_Development_a_missing_endpoint_stops_start_up_instead_of_serving_the_emulator(string environment)
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder().WithSettings(new Dictionary<string, string?> { ["environment"] = environment }).Start());

        Assert.Contains("Drs:Endpoint is not set", error.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway:EmbeddedEmulator:Enabled", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_whitespace_endpoint_counts_as_missing()
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder().WithSettings(new Dictionary<string, string?> { ["environment"] = "Production", ["Drs:Endpoint"] = "  " }).Start());

        Assert.Contains("Drs:Endpoint", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public void A_misspelt_emulator_switch_stops_start_up_naming_it_and_never_starts_demo_mode(string environment)
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder().WithSettings(new Dictionary<string, string?> { ["environment"] = environment, ["Gateway:EmbeddedEmulator:Enabled"] = "yes" }).Start());

        Assert.Contains("Gateway:EmbeddedEmulator:Enabled", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Switching_the_emulator_off_makes_the_endpoint_required_even_in_Development()
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder().WithSettings(new Dictionary<string, string?> { ["environment"] = "Development", ["Gateway:EmbeddedEmulator:Enabled"] = "false" }).Start());

        Assert.Contains("Drs:Endpoint is not set", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Production", "true")]
    [InlineData("Development", null)]
    public async Task The_emulator_serves_with_its_demo_token_in_Development_or_when_explicitly_enabled(string environment, string? enabled)
    {
        var settings = new Dictionary<string, string?> { ["environment"] = environment };
        if (enabled is not null)
        {
            settings["Gateway:EmbeddedEmulator:Enabled"] = enabled;
        }

        await using var gateway = GatewayHost.Builder().WithSettings(settings).Start();

        var answer = await gateway.QueryAsync($"{{ job(id: \"{ReadmeJob}\") {{ status }} }}", token: null);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var body = answer.Body;

        Assert.Null(body["errors"]);
        Assert.NotNull(body["data"]!["job"]!["status"]);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Development")]
    public async Task In_front_of_a_real_endpoint_a_caller_without_a_token_is_refused_not_given_the_demo_token(string environment)
    {
        // Enabled=true only allows the emulator when no endpoint is set: a configured endpoint always wins.
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            null, ("environment", environment), ("Drs:AllowInsecureEndpoint", "true"), ("Gateway:EmbeddedEmulator:Enabled", "true")));

        var answer = await rig.QueryAsync($"{{ job(id: \"{ReadmeJob}\") {{ status }} }}", token: null);

        Assert.Equal(["UNAUTHENTICATED"], answer.Codes.Distinct());
        Assert.Equal(0, await rig.UpstreamCallCountAsync());
        rig.Logs.AssertNone("embedded DRS emulator");
    }

    /// <remarks>
    /// Settings that composing the gateway reads (the request budget, the schema's limits, the security pipeline, the
    /// endpoint's handlers) once escaped this: an unhandled exception with a stack trace and exit code 134.
    /// </remarks>
    [Theory]
    [InlineData("Drs:Endpoint", "ftp://x", "Drs:Endpoint 'ftp://x' is not an absolute http(s) URL")]
    [InlineData("Drs:MaxResponseBytes", "9999999999", "Drs:MaxResponseBytes is invalid: The field MaxResponseBytes must be between 65536 and 268435456")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon", "OTEL_EXPORTER_OTLP_PROTOCOL 'carrier-pigeon' is not one the exporter speaks: grpc or http/protobuf")]
    [InlineData("OTEL_EXPORTER_OTLP_HEADERS", "garbage", "OTEL_EXPORTER_OTLP_HEADERS is not a comma-separated list of headers")]
    [InlineData("Drs:Endpoint", "https://", "'https://' at 'Drs:Endpoint'")]
    [InlineData("Gateway:RequestTimeout", "00:00:00", "Gateway:RequestTimeout is invalid: The field RequestTimeout must be")]
    [InlineData("Gateway:RequestTimeout", "banana", "'banana' at 'Gateway:RequestTimeout'")]
    [InlineData("Gateway:Cache:KeySecret", "short", "Gateway:Cache:KeySecret must be at least 32 characters")]
    [InlineData("Gateway:Cache:Partition", "Tenant", "'Tenant' at 'Gateway:Cache:Partition'")]
    [InlineData("Gateway:Limits:MaxDepth", "-1", "Gateway:Limits:MaxDepth is invalid: The field MaxDepth must be")]
    [InlineData("Gateway:Browse:CursorSecret", "short", "Gateway:Browse:CursorSecret must be at least 32 characters")]
    [InlineData("Gateway:Subscriptions:MinTick", "0", "Gateway:Subscriptions:MinTick is invalid: The field MinTick must be")]
    [InlineData("Gateway:Security:RateLimit:BurstLimit", "-5", "Gateway:Security:RateLimit:BurstLimit is invalid: The field BurstLimit must be")]
    [InlineData("Gateway:Shutdown:Timeout", "-00:00:01", "Gateway:Shutdown:Timeout is invalid: The field Timeout must be")]
    [InlineData("GraphQL:Http:MaxResponseBytes", "1", "GraphQL:Http:MaxResponseBytes is invalid: The field MaxResponseBytes must be")]
    [InlineData("GraphQL:Streaming:MaxPendingResults", "0", "GraphQL:Streaming:MaxPendingResults is invalid: The field MaxPendingResults must be")]
    [InlineData("Drs:Endpoint", "https://admin:s3cret-pw@drs.example.com", "Drs:Endpoint 'https://drs.example.com/' carries a user name or password")]
    [InlineData("Drs:Endpoint", "https://drs.example.com/v3/054ba152d480d55b2f5dc0069e7ddef0/", "Drs:Endpoint 'https://drs.example.com/v3/054ba152d480d55b2f5dc0069e7ddef0/' already contains the API path")]
    [InlineData("ConnectionStrings:Redis", "redis://:s3cret-pw@localhost:6379", "ConnectionStrings:Redis is unusable: it is a redis:// URL")]
    [InlineData("Drs:Endpoint", "https://admin:s3cret-pw@[bad", "'https://[bad' at 'Drs:Endpoint'")]
    [InlineData("Drs:Regions:eu-nl:Endpoint", "https://drs.example.com:99999", "Drs:Regions:eu-nl cannot be read")]
    [InlineData("Drs:Regions:eu-fr", "x", "Drs:Regions:eu-fr cannot be read")]
    [InlineData("ConnectionStrings:Redis", "127.0.0.1:6379,password:s3cret-pw", "is neither host:port nor option=value")]
    [InlineData("Logging:LogLevel:Default", "Loud", "Logging:LogLevel:Default 'Loud' is not a log level: use one of Trace, Debug, Information, Warning, Error, Critical, None.")]
    [InlineData("Logging:LogLevel:Default", "Verbose", "Logging:LogLevel:Default 'Verbose' is not a log level: use one of Trace, Debug, Information, Warning, Error, Critical, None.")]
    [InlineData("Logging:LogLevel:Microsoft.AspNetCore", "Verbose", "Logging:LogLevel:Microsoft.AspNetCore 'Verbose' is not a log level")]
    [InlineData("Gateway:Jobs:MaxIdsPerField", "-1", "Gateway:Jobs:MaxIdsPerField (the former name of Gateway:Limits:MaxIdsPerField) is invalid: The field MaxIdsPerField must be")]
    [InlineData("Gateway:Chache:Enabled", "false", "Gateway:Chache:Enabled is not a setting of the gateway (did you mean Gateway:Cache:Enabled?)")]
    [InlineData("Gateway:Cache:StatusTt", "00:00:01", "Gateway:Cache:StatusTt is not a setting of the gateway (did you mean Gateway:Cache:StatusTtl?)")]
    [InlineData("Drs:Endpiont", "https://drs.example.com", "Drs:Endpiont is not a setting of the gateway (did you mean Drs:Endpoint?)")]
    [InlineData("Dsr:Endpoint", "https://drs.example.com", "Dsr:Endpoint is not a setting of the gateway (did you mean Drs:Endpoint?)")]
    [InlineData("Gateway:PersistedOperations:TrustedDocumentsPath", "/x.json", "Gateway:PersistedOperations:TrustedDocumentsPath is not a setting of the gateway")]
    [InlineData("Drs:ChunkSize", "0", "Drs:ChunkSize is invalid: The field ChunkSize must be between 1 and 100.")]
    [InlineData("Drs:ProjectId", "", "Drs:ProjectId is invalid: The field ProjectId is empty")]
    [InlineData("Drs:ProjectId", "a/b", "Drs:ProjectId is invalid: The field ProjectId is not a DRS project ID")]
    [InlineData("Drs:DefaultRegion", "", "Drs:DefaultRegion is invalid: The field DefaultRegion is empty")]
    [InlineData("Gateway:Cache:KeyPrefix", "", "Gateway:Cache:KeyPrefix is invalid")]
    [InlineData("Gateway:Health:WarmUpTimeout", "-00:00:01", "Gateway:Health:WarmUpTimeout is invalid: The field WarmUpTimeout must be")]
    [InlineData("Gateway:Health:RedisTimeout", "00:00:00", "Gateway:Health:RedisTimeout is invalid: The field RedisTimeout must be")]
    [InlineData("Gateway:Cache:RedisTimeout", "00:00:00", "Gateway:Cache:RedisTimeout is invalid: The field RedisTimeout must be")]
    [InlineData("Drs:Resilience:AttemptTimeout:Timeout", "00:00:20", "Drs:Resilience: Total request timeout resilience strategy must have a greater timeout")]
    [InlineData("Drs:Resilience:Retry:MaxRetryAttempts", "0", "Drs:Resilience:Retry:MaxRetryAttempts must be between 1 and 2147483647.")]
    [InlineData("Drs:Resilience:CircuitBreaker:FailureRatio", "2", "Drs:Resilience:CircuitBreaker:FailureRatio must be between 0 and 1.")]
    [InlineData("Drs:Resilience:AttemptTimeout:Timeout", "00:00:00", "Drs:Resilience:AttemptTimeout:Timeout must be between 00:00:00.0100000 and 1.00:00:00.")]
    [InlineData("Logging:Console:FormatterName", "jsn", "Logging:Console:FormatterName 'jsn' is not a console log format")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "not-a-url", "OTEL_EXPORTER_OTLP_ENDPOINT 'not-a-url' must be an absolute http(s) URL, without user:password@, query or fragment")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317", "OTEL_EXPORTER_OTLP_ENDPOINT 'collector:4317' must be an absolute http(s) URL, without user:password@, query or fragment")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector:4317", "OTEL_EXPORTER_OTLP_ENDPOINT 'ftp://collector:4317' must be an absolute http(s) URL, without user:password@, query or fragment")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel:s3cret-pw@[bad", "OTEL_EXPORTER_OTLP_ENDPOINT 'http://[bad' must be an absolute http(s) URL, without user:password@, query or fragment")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/?api_key=1", "without user:password@, query or fragment (a collector's credentials go in OTEL_EXPORTER_OTLP_HEADERS)")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "notaurl", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT 'notaurl' must be an absolute http(s) URL")]
    [InlineData("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://127.0.0.1:4318/v1/logs", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT is set but OTEL_EXPORTER_OTLP_ENDPOINT is not")]
    [InlineData("Logging:Console:FormatterOptions:TimestampFormat", "%%%", "Logging:Console:FormatterOptions:TimestampFormat '%%%' is not a .NET date and time format")]
    [InlineData("Gateway:EmbeddedEmulator:Urls", "notaurl", "Gateway:EmbeddedEmulator:Urls 'notaurl' is not an http://host:port address")]
    [InlineData("Gateway:EmbeddedEmulator:Urls", "https://127.0.0.1:0", "Gateway:EmbeddedEmulator:Urls 'https://127.0.0.1:0' is not an http://host:port address")]
    [InlineData("Gateway:EmbeddedEmulator:Urls", "http://127.0.0.1:0/drs", "Gateway:EmbeddedEmulator:Urls 'http://127.0.0.1:0/drs' is not an http://host:port address")]
    [InlineData("Gateway:EmbeddedEmulator:Urls", "http://127.0.0.1", "Gateway:EmbeddedEmulator:Urls 'http://127.0.0.1' is not an http://host:port address")]
    [InlineData("Gateway:EmbeddedEmulator:Urls", "http://localhost:0", "Gateway:EmbeddedEmulator:Urls 'http://localhost:0' asks for a free port on localhost")]
    [InlineData("Gateway:EmbeddedEmulator:Urls", "http://127.0.0.1:0; http://LocalHost:0/", "Gateway:EmbeddedEmulator:Urls 'http://LocalHost:0/' asks for a free port on localhost")]
    public async Task The_real_program_with_a_bad_setting_exits_1_with_one_line_naming_it_and_no_stack_trace(string setting, string value, string line)
    {
        var (exitCode, output) = await RunToExitAsync(setting, value);

        AssertRefusedInOneLine(exitCode, output, line);
    }

    /// <remarks>
    /// The emulator's start failed on any bad Emulator:* setting too, and every failure was blamed on its address:
    /// "Gateway:EmbeddedEmulator:Urls 'http://127.0.0.1:0' cannot be bound: DataAnnotation validation failed ... 'TimeScale'".
    /// </remarks>
    [Theory]
    [InlineData("Emulator:TimeScale", "-1", "Emulator:TimeScale")]
    [InlineData("Emulator:Seed", "abc", "'Emulator:Seed'")]
    public async Task The_real_program_with_a_bad_emulator_setting_names_that_setting_not_the_emulator_address(string setting, string value, string line)
    {
        var (exitCode, output) = await RunToExitAsync(setting, value);

        AssertRefusedInOneLine(exitCode, output, line);
        Assert.DoesNotContain("cannot be bound", output, StringComparison.Ordinal);
    }

    /// <remarks>
    /// Checked before the host starts: from the host, a port in use ended in "Hosting failed to start" twice (the
    /// emulator's host and the gateway's), stack traces and an unhandled exception (exit code 134).
    /// </remarks>
    [Fact]
    public async Task The_real_program_whose_emulator_port_is_in_use_exits_1_with_one_line_naming_the_setting()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var (exitCode, output) = await RunToExitAsync("Gateway:EmbeddedEmulator:Urls", address);

        AssertRefusedInOneLine(exitCode, output, $"Gateway:EmbeddedEmulator:Urls '{address}' cannot be bound");
        Assert.Contains("address already in use", output, StringComparison.Ordinal);
    }

    /// <remarks>
    /// Kestrel binds the gateway's own addresses inside the host's start: a port in use ended in "Hosting failed to
    /// start" with a stack trace and an unhandled exception (exit code 134), naming neither the setting nor, for a bare
    /// socket error, the address.
    /// </remarks>
    [Theory]
    [InlineData("--urls", "--urls")]
    [InlineData("ASPNETCORE_URLS", "ASPNETCORE_URLS")]
    [InlineData("Kestrel:Endpoints", "Kestrel:Endpoints:Main:Url")]
    [InlineData("ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTP_PORTS")]
    public async Task The_real_program_whose_own_port_is_in_use_exits_1_with_one_line_naming_the_address_and_setting(string source, string setting)
    {
        // Every address for the port-only setting, which binds every address.
        using var taken = new System.Net.Sockets.TcpListener(source == "ASPNETCORE_HTTP_PORTS" ? IPAddress.Any : IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var address = $"http://127.0.0.1:{port}";
        var start = StartInfo([]);
        switch (source)
        {
            case "--urls":
                start.ArgumentList.Add("--urls");
                start.ArgumentList.Add(address);
                break;
            case "ASPNETCORE_URLS":
                start.Environment["ASPNETCORE_URLS"] = address;
                break;
            case "Kestrel:Endpoints":
                start.ArgumentList.Add($"--Kestrel:Endpoints:Main:Url={address}");
                break;
            default:
                start.Environment["ASPNETCORE_HTTP_PORTS"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
        }

        var (exitCode, output) = await RunToExitAsync(start);

        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{output}");
        var line = Assert.Single(output.Split('\n'), l => l.Contains("the gateway cannot listen on", StringComparison.Ordinal));
        Assert.Contains($":{port} (from {setting}): address already in use", line, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'), l => l.StartsWith("crit:", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
    }

    /// <remarks>
    /// Kestrel parses its addresses as it starts: a malformed one, or https without a certificate, ended in "Hosting failed
    /// to start" with a stack trace and an aborted process (exit code 134).
    /// </remarks>
    [Theory]
    [InlineData("garbage", "garbage (from --urls): not an address to listen on (Invalid url: 'garbage'")]
    [InlineData("https://127.0.0.1:0", "https://127.0.0.1:0 (from --urls): https needs a server certificate")]
    public async Task The_real_program_with_an_address_it_cannot_listen_on_exits_1_with_one_line_saying_why(string address, string reason)
    {
        var (exitCode, output) = await RunToExitAsync(StartInfo(["--urls", address]));

        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{output}");
        Assert.Contains(reason, Assert.Single(output.Split('\n'), l => l.Contains("the gateway cannot listen on", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Single(output.Split('\n'), l => l.StartsWith("crit:", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", output, StringComparison.Ordinal);
    }

    /// <remarks>A port list Kestrel could not read was dropped without a word: the gateway listened on http://[::]:80.</remarks>
    [Theory]
    [InlineData("ASPNETCORE_HTTP_PORTS", "abc")]
    [InlineData("ASPNETCORE_HTTP_PORTS", "8080;70000")]
    [InlineData("ASPNETCORE_HTTPS_PORTS", "-1")]
    public async Task The_real_program_with_a_port_list_that_is_none_exits_1_naming_it(string variable, string value)
    {
        var start = StartInfo([]);
        start.Environment[variable] = value;

        var (exitCode, output) = await RunToExitAsync(start);

        AssertRefusedInOneLine(exitCode, output, $"{variable} '{value}' is not a list of ports");
    }

    /// <remarks>With an endpoint, the OTLP exporter read the headers while the gateway was composed and threw: exit code 134.</remarks>
    [Fact]
    public async Task The_real_program_with_otlp_headers_it_cannot_read_exits_1_with_one_line_that_does_not_repeat_them()
    {
        var (exitCode, output) = await RunToExitAsync(StartInfo(["--urls", "http://127.0.0.1:0", "--OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9", "--OTEL_EXPORTER_OTLP_HEADERS=s3cret-pw"]));

        AssertRefusedInOneLine(exitCode, output, "OTEL_EXPORTER_OTLP_HEADERS is not a comma-separated list of headers");
    }

    /// <remarks>With service identities on, every bad Drs:* setting was printed twice (validated through two registrations).</remarks>
    [Fact]
    public async Task The_real_program_with_service_identities_says_a_bad_drs_setting_once()
    {
        using var minter = new DrsGraph.Gateway.Tests.ServiceIdentity.JwtMinter();
        var settings = DrsGraph.Gateway.Tests.ServiceIdentity.ServiceIdentityFixture.Settings(minter.PublicKeyPem);
        settings["Drs:ChunkSize"] = "1000";

        var (exitCode, output) = await RunToExitAsync(StartInfo(["--urls", "http://127.0.0.1:0", .. settings.Where(s => s.Value is not null).Select(s => $"--{s.Key}={s.Value}")]));

        AssertRefusedInOneLine(exitCode, output, "Drs:ChunkSize");
    }

    /// <remarks>A settings file that is not JSON was read before any logger existed: an unhandled exception, exit code 134.</remarks>
    [Fact]
    public async Task The_real_program_with_a_settings_file_that_is_not_json_exits_1_with_one_line_naming_the_file()
    {
        var environment = "Broken" + Guid.NewGuid().ToString("N")[..8];
        var file = Path.Combine(AppContext.BaseDirectory, $"appsettings.{environment}.json");
        await File.WriteAllTextAsync(file, "{ \"Gateway\": { \"RequestTimeout\": \"00:00:10\", } ");
        try
        {
            var start = StartInfo(["--urls", "http://127.0.0.1:0"]);
            start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;

            var (exitCode, output) = await RunToExitAsync(start);

            Assert.True(exitCode == 1, $"exit code {exitCode}:\n{output}");
            var line = Assert.Single(output.Split('\n'), l => l.StartsWith("crit:", StringComparison.Ordinal));
            Assert.Contains($"appsettings.{environment}.json", line, StringComparison.Ordinal);
            Assert.Contains("Could not parse the JSON file", line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <remarks>
    /// The emulator started first and took the port, then the gateway failed to bind it (exit code 134): known from
    /// the settings alone, so refused with them.
    /// </remarks>
    [Fact]
    public async Task The_real_program_with_its_emulator_on_its_own_port_exits_1_with_one_line_naming_both()
    {
        using var free = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        free.Start();
        var port = ((IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();

        var (exitCode, output) = await RunToExitAsync(StartInfo(["--urls", $"http://localhost:{port}", $"--Gateway:EmbeddedEmulator:Urls=http://127.0.0.1:{port}"]));

        AssertRefusedInOneLine(exitCode, output, $"Gateway:EmbeddedEmulator:Urls 'http://127.0.0.1:{port}' is the port the gateway itself listens on ('http://localhost:{port}', from --urls or ASPNETCORE_URLS)");
    }

    /// <remarks>
    /// A ceiling set below the per-caller allowance it must leave room for is raised to it (README), and nothing said so:
    /// an operator who set MaxJobsPerReplica=5 believed the replica watched at most 5 jobs.
    /// </remarks>
    [Theory]
    [InlineData("Gateway:Subscriptions:MaxJobsPerReplica", "5", "Gateway:Subscriptions:MaxJobsPerReplica=5 is below Gateway:Subscriptions:MaxJobsPerCaller=1000: the gateway uses 1000")]
    [InlineData("Gateway:Subscriptions:MaxSubscriptionsPerReplica", "7", "Gateway:Subscriptions:MaxSubscriptionsPerReplica=7 is below Gateway:Subscriptions:MaxSubscriptionsPerCaller=1000: the gateway uses 1000")]
    [InlineData("GraphQL:Streaming:MaxConnectionsPerAddress", "3", "GraphQL:Streaming:MaxConnectionsPerAddress=3 is below GraphQL:Streaming:MaxConnectionsPerCaller=50: the gateway uses 50")]
    [InlineData("Gateway:PersistedOperations:RegistrationKilobytesPerAddressPerHour", "100", "Gateway:PersistedOperations:RegistrationKilobytesPerAddressPerHour=100 is below Gateway:PersistedOperations:RegistrationKilobytesPerCallerPerHour=4096: the gateway uses 4096")]
    [InlineData("Gateway:PersistedOperations:RegistrationKilobytesPerCallerPerHour", "0", "Gateway:PersistedOperations:RegistrationKilobytesPerAddressPerHour=32768 does not apply: Gateway:PersistedOperations:RegistrationKilobytesPerCallerPerHour=0")]
    public async Task A_ceiling_raised_over_its_setting_is_said_once_at_start_up(string setting, string value, string line)
    {
        var (listening, output) = await RunUntilListeningAsync((setting, value));

        Assert.True(listening, output);
        Assert.Single(output.Split('\n'), l => l.Contains(line, StringComparison.Ordinal));
        Assert.Single(output.Split('\n'), l => l.StartsWith("warn: DrsGraph.Gateway.Health.SettingConflicts", StringComparison.Ordinal));
    }

    /// <remarks>A token for every caller without one, meant for the embedded emulator, started silently in front of a real DRS.</remarks>
    [Fact]
    public async Task A_default_token_in_front_of_a_real_endpoint_is_said_once_at_start_up()
    {
        var (listening, output) = await RunUntilListeningAsync(StartInfo(["--urls", "http://127.0.0.1:0", "--Drs:Endpoint=http://127.0.0.1:9", "--Gateway:Callers:DefaultAuthToken=operators-own-token"]));

        Assert.True(listening, output);
        Assert.Single(output.Split('\n'), l => l.Contains("Gateway:Callers:DefaultAuthToken is set with Drs:Endpoint: every caller without X-Auth-Token reads DRS with that token", StringComparison.Ordinal));
        Assert.DoesNotContain("operators-own-token", output, StringComparison.Ordinal);
    }

    /// <remarks>
    /// Drs:ProjectId defaults to the embedded emulator's demo project: in front of a real DRS every caller without
    /// X-Project-Id asked about a project that is not theirs, and only DRS's refusals said so.
    /// </remarks>
    [Fact]
    public async Task A_real_endpoint_without_a_project_is_said_once_at_start_up()
    {
        var (listening, output) = await RunUntilListeningAsync(StartInfo(["--urls", "http://127.0.0.1:0", "--Drs:Endpoint=https://127.0.0.1:9"]));

        Assert.True(listening, output);
        Assert.Single(output.Split('\n'), l => l.Contains("Drs:ProjectId is the embedded emulator's demo project 054ba152d480d55b2f5dc0069e7ddef0 in front of an https Drs:Endpoint: callers without X-Project-Id ask DRS about a project that is not yours", StringComparison.Ordinal));

        var (withProject, quiet) = await RunUntilListeningAsync(StartInfo(["--urls", "http://127.0.0.1:0", "--Drs:Endpoint=https://127.0.0.1:9", "--Drs:ProjectId=0123456789abcdef0123456789abcdef"]));
        var (emulator, alsoQuiet) = await RunUntilListeningAsync(StartInfo(["--urls", "http://127.0.0.1:0", "--Drs:Endpoint=http://127.0.0.1:9", "--Drs:AllowInsecureEndpoint=true"]));

        Assert.True(withProject, quiet);
        Assert.DoesNotContain("SettingConflicts", quiet, StringComparison.Ordinal);
        Assert.True(emulator, alsoQuiet);
        Assert.DoesNotContain("SettingConflicts", alsoQuiet, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ceilings_above_their_allowances_are_not_mentioned()
    {
        var (listening, output) = await RunUntilListeningAsync(("Gateway:Subscriptions:MaxJobsPerReplica", "20000"));

        Assert.True(listening, output);
        Assert.DoesNotContain("SettingConflicts", output, StringComparison.Ordinal);
    }

    /// <remarks>
    /// The check trimmed each address, but Kestrel was handed the raw setting: "Unrecognized scheme in server address"
    /// as the emulator started, an unhandled exception (exit code 134).
    /// </remarks>
    [Fact]
    public async Task The_real_program_takes_emulator_addresses_with_spaces_around_them()
    {
        var (listening, output) = await RunUntilListeningAsync(("Gateway:EmbeddedEmulator:Urls", " http://127.0.0.1:0 ; http://127.0.0.1:0 "));

        Assert.True(listening, output);
        Assert.Contains("embedded DRS emulator serves invented jobs on http://127.0.0.1:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    /// <remarks>
    /// The emulator's addresses were checked even when it does not run: a leftover value stopped a gateway in front of
    /// real DRS (and, with the emulator switched off, added a second line to "Drs:Endpoint is not set").
    /// </remarks>
    [Theory]
    [InlineData(null)]
    [InlineData("false")]
    public async Task A_bad_emulator_address_does_not_stop_a_gateway_in_front_of_a_real_endpoint(string? enabled)
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            null, ("environment", "Development"), ("Gateway:EmbeddedEmulator:Urls", "notaurl"), ("Gateway:EmbeddedEmulator:Enabled", enabled)));

        var answer = await rig.QueryAsync($"{{ job(id: \"{ReadmeJob}\") {{ status }} }}");

        answer.AssertNoErrors();
    }

    [Fact]
    public void With_the_emulator_switched_off_a_bad_emulator_address_is_not_a_second_error()
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder().WithSettings(new Dictionary<string, string?>
        {
            ["environment"] = "Production",
            ["Gateway:EmbeddedEmulator:Enabled"] = "false",
            ["Gateway:EmbeddedEmulator:Urls"] = "notaurl",
        }).Start());

        Assert.Contains("Drs:Endpoint is not set", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Gateway:EmbeddedEmulator:Urls", error.ToString(), StringComparison.Ordinal);
    }

    private static void AssertRefusedInOneLine(int exitCode, string output, string line)
    {
        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{output}");
        Assert.Single(output.Split('\n'), l => l.Contains(line, StringComparison.Ordinal));
        Assert.Single(output.Split('\n'), l => l.Contains("Invalid configuration, not starting", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", output, StringComparison.Ordinal);
    }

    /// <summary>Runs the real program with one setting on its command line until it exits (60 s at most).</summary>
    private static Task<(int ExitCode, string Output)> RunToExitAsync(string setting, string value) =>
        RunToExitAsync(StartInfo(setting, value));

    private static async Task<(int ExitCode, string Output)> RunToExitAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>
    /// Runs the real program with <paramref name="setting"/> until it says it listens (true), exits (false) or 60 s pass
    /// (false), then stops it.
    /// </summary>
    private static Task<(bool Listening, string Output)> RunUntilListeningAsync((string Key, string Value) setting) =>
        RunUntilListeningAsync(StartInfo(setting.Key, setting.Value));

    private static async Task<(bool Listening, string Output)> RunUntilListeningAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var output = new System.Text.StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var listening = false;
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                output.AppendLine(line);
                if (line.Contains("Now listening on", StringComparison.Ordinal))
                {
                    listening = true;
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        await process.WaitForExitAsync(CancellationToken.None);
        return (listening, output + await stderr);
    }

    private static ProcessStartInfo StartInfo(string setting, string value)
    {
        var start = StartInfo(["--urls", "http://127.0.0.1:0", $"--{setting}={value}"]);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = setting == "Drs:Endpoint" ? "Production" : "Development";
        return start;
    }

    /// <summary>The real program in Development (the embedded emulator stands in for DRS), with <paramref name="arguments"/>.</summary>
    private static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "DrsGraph.Gateway.dll") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["DOTNET_ENVIRONMENT"] = null,
                // The test runner's own may be set: only the setting under test names the gateway's addresses.
                ["ASPNETCORE_URLS"] = null,
                ["ASPNETCORE_HTTP_PORTS"] = null,
                ["ASPNETCORE_HTTPS_PORTS"] = null,
                ["Logging__Console__FormatterName"] = "simple",
                ["Gateway__EmbeddedEmulator__Urls"] = "http://127.0.0.1:0",
                ["Gateway__Health__WarmUpRequests"] = "0",
            },
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
