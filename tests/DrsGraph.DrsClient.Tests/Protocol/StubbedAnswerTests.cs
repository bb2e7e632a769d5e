using System.Text.Json;
using Microsoft.Extensions.Logging;
using DrsGraph.DrsClient.Tests.Infrastructure;

namespace DrsGraph.DrsClient.Tests.Protocol;

/// <summary>Answers the emulator never gives, from a scripted DRS over real HTTP.</summary>
public sealed class StubbedAnswerTests
{
    private const string A = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private const string B = "dc67695a-ee3e-49b8-a022-a099bd81jb21";
    private const string C = "24834eb6-be30-464e-a299-f7aa730jb101";
    private static readonly DrsCaller Caller = new("stub-token-1b2c", "054ba152d480d55b2f5dc0069e7ddef0", "en-us");

    private static readonly Dictionary<string, string?> FastRetries = new()
    {
        ["Drs:Resilience:Retry:MaxRetryAttempts"] = "1",
        ["Drs:Resilience:Retry:Delay"] = "00:00:00.010",
    };

    [Fact]
    public async Task An_id_drs_leaves_out_is_a_protocol_error_and_items_nobody_asked_for_are_ignored()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200,
            $$"""{"count":2,"results":[{"id":"{{A}}","status":"CONFIGURATION"},{"id":"{{C}}","status":"CREATING"}]}"""));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetStatusesAsync(Caller, [A, B]);

        Assert.Equal([A, B], batch.Results.Keys);
        Assert.Equal("CONFIGURATION", batch[A].Value?.Status);
        var error = batch[B].Error;
        Assert.NotNull(error);
        Assert.Equal(DrsErrorKind.Protocol, error.Kind);
        Assert.Equal(DrsErrorCodes.MissingFromResponse, error.Code);
        Assert.Equal(200, error.HttpStatus);
        Assert.Equal("stubrequest0000000000000000000001", error.RequestId);

        // A handled fault is one line: the call answered, so it is not a failed call, but a job left out is said once.
        var warning = Assert.Single(host.Logs.Entries, e => e.Level >= LogLevel.Warning);
        Assert.StartsWith("DRS status for project", warning.Message, StringComparison.Ordinal);
        Assert.Contains("left 1 of its 2 IDs out", warning.Message, StringComparison.Ordinal);
        Assert.Contains("stubrequest0000000000000000000001", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_complete_answer_logs_no_warning()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200,
            $$"""{"count":2,"results":[{"id":"{{A}}","status":"CONFIGURATION"},{"id":"{{B}}","error_code":"DRS.M00289","error_msg":"gone"}]}"""));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetStatusesAsync(Caller, [A, B]);

        Assert.True(batch[A].IsSuccess);
        Assert.Equal("DRS.M00289", batch[B].Error?.Code);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    /// <summary>A newline in DRS's code or request ID forged a log line of its own and reached callers' error codes; an escape sequence repainted the terminal.</summary>
    [Theory]
    [InlineData(500)]
    [InlineData(401)]
    [InlineData(200)]
    public async Task Drs_text_with_control_characters_is_escaped_and_cut_short_in_errors_and_log_lines(int status)
    {
        var body = status == 200
            ? $$"""{"count":1,"results":[{"id":"{{A}}","error_code":"DRS.M00289\nwarn: FORGED-ITEM","error_message":"gone\u001b[2J"}]}"""
            : $$"""{"error_code":"DRS.M00004\nwarn: FORGED-CODE","error_msg":"boom\r\nwarn: FORGED-MSG","request_id":"rid\nwarn: FORGED-RID\u001b[31m{{new string('r', 300)}}"}""";
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, status, body));
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var error = (await host.Client.GetStatusesAsync(Caller, [A]))[A].Error!;

        Assert.DoesNotContain('\n', error.Code);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\u001b', error.Message);
        Assert.StartsWith(status == 200 ? @"DRS.M00289\u000Awarn: FORGED-ITEM" : @"DRS.M00004\u000Awarn: FORGED-CODE", error.Code, StringComparison.Ordinal);
        if (status != 200)
        {
            Assert.StartsWith(@"rid\u000Awarn: FORGED-RID\u001B[31mrrr", error.RequestId, StringComparison.Ordinal);
            Assert.True(error.RequestId!.Length < 200, error.RequestId);
        }

        var lines = host.Logs.Entries.Where(e => e.Category.StartsWith("DrsGraph", StringComparison.Ordinal)).Select(e => e.Message).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.False(line.Contains('\n', StringComparison.Ordinal) || line.Contains('\u001b', StringComparison.Ordinal), line));
    }

    [Fact]
    public async Task One_item_with_an_unreadable_field_fails_only_that_job()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, $$"""
            {"count":2,"results":[
              {"id":"{{A}}","name":"ok","status":"CONFIGURATION","node_num":2},
              {"id":"{{B}}","name":"odd","status":"CONFIGURATION","node_num":["unexpected"]}]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetDetailsAsync(Caller, [A, B]);

        Assert.Equal("ok", batch[A].Value?.Name);
        Assert.Equal(DrsErrorKind.Protocol, batch[B].Error?.Kind);
        Assert.Equal(DrsErrorCodes.UnreadableResponse, batch[B].Error?.Code);
    }

    /// <remarks>
    /// The SDKs disagree on some fields' types (node_num an int in the new ones, a string in the old), and DRS may send an
    /// empty field as "": one odd scalar made the job's whole detail (or progress) an error. A number or boolean where a
    /// string belongs is its text; a number or boolean that does not read is absent; an object or array is still unreadable.
    /// </remarks>
    [Fact]
    public async Task Odd_scalars_are_read_leniently_and_only_a_wrong_shape_fails_the_job()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, $$"""
            {"count":3,"results":[
              {"id":"{{A}}","name":"empty","status":"CONFIGURATION","node_num":"","create_time":1608274919000,"need_restart":"1",
               "source_endpoint":{"db_type":"mysql","db_port":"","ssl_link":"true"},"target_endpoint":{"db_port":3306.0,"ssl_link":"n/a"} },
              {"id":"{{B}}","name":"whole","status":"CONFIGURATION","node_num":"2.0","is_target_readonly":0},
              {"id":"{{C}}","name":"shape","status":"CONFIGURATION","node_num":{"n":1} }]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetDetailsAsync(Caller, [A, B, C]);

        var a = batch[A].Value!;
        Assert.Equal((null, "1608274919000", true), (a.NodeNum, a.CreateTime, a.NeedRestart));
        Assert.Equal((null, true), (a.SourceEndpoint!.DbPort, a.SourceEndpoint.SslLink));
        Assert.Equal((3306, null), (a.TargetEndpoint!.DbPort, a.TargetEndpoint.SslLink));
        Assert.Equal((2, false), (batch[B].Value!.NodeNum, batch[B].Value!.IsTargetReadonly));
        var error = batch[C].Error!;
        Assert.Equal((DrsErrorKind.Protocol, DrsErrorCodes.UnreadableResponse), (error.Kind, error.Code));
        // Where, not the runtime's type names.
        Assert.Equal("DRS answered this job with data this client cannot read (at $.node_num).", error.Message);
    }

    /// <remarks>FACTS: empty fields are omitted. A failed job's progress without a percentage still explains its failure.</remarks>
    [Fact]
    public async Task A_progress_item_with_a_transfer_status_and_an_error_code_is_the_job_explaining_its_failure()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, $$"""
            {"count":3,"results":[
              {"job_id":"{{A}}","transfer_status":"FULL_TRANSFER_FAILED","task_mode":"FULL_TRANS","error_code":"DRS.M03055","error_msg":"disk full"},
              {"job_id":"{{B}}","progress":100,"transfer_status":"FULL_TRANSFER_COMPLETE"},
              {"job_id":"{{C}}","error_code":"DRS.M00289","error_msg":"The job does not exist."}]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetProgressAsync(Caller, [A, B, C]);

        Assert.Equal(("FULL_TRANSFER_FAILED", "DRS.M03055", "disk full"), (batch[A].Value!.TransferStatus, batch[A].Value!.ErrorCode, batch[A].Value!.Message));
        Assert.Equal("100", batch[B].Value!.Progress);
        Assert.Equal(DrsErrorKind.NotFound, batch[C].Error!.Kind);
    }

    /// <remarks>
    /// A DRS (or a gateway before it) that echoes the request's token in an error message handed it to callers as the
    /// error's text, and with service identities that token is the gateway's own.
    /// </remarks>
    [Fact]
    public async Task A_token_drs_echoes_in_its_answer_reaches_no_error_message()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200,
            $$"""{"count":2,"results":[{"id":"{{A}}","error_code":"DRS.M00289","error_msg":"token {{Caller.AuthToken}} may not read {{A}} ({{Caller.AuthToken}})"},{"id":"{{B}}","status":"CONFIGURATION"}]}"""));
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var batch = await host.Client.GetStatusesAsync(Caller, [A, B]);

        Assert.Equal($"token *** may not read {A} (***)", batch[A].Error!.Message);
        Assert.Equal("CONFIGURATION", batch[B].Value!.Status);
    }

    /// <remarks>
    /// IAM tokens are base64: full of <c>/</c>, <c>+</c> and <c>=</c>, which JSON encoders commonly escape (<c>\/</c>,
    /// <c>\u002B</c>; the emulator's own writes <c>+</c> that way). An echo so escaped, whichever characters, reads back as
    /// the token itself.
    /// </remarks>
    [Theory]
    [InlineData("plain")]
    [InlineData("slashes")]
    [InlineData("unicode")]
    [InlineData("lowercase")]
    [InlineData("mixed")]
    [InlineData("letters")]
    public async Task A_token_drs_echoes_json_escaped_reaches_no_error_message(string escaping)
    {
        const string token = "MIIEhQYJKoZIhvcNAQcCoIIE/dGhpcyBpcyBh+dG9rZW4/Zm9yIHRlc3Rz+x==";
        var echoed = escaping switch
        {
            "plain" => token,
            "slashes" => token.Replace("/", "\\/", StringComparison.Ordinal),
            "unicode" => token.Replace("+", "\\u002B", StringComparison.Ordinal),
            "lowercase" => token.Replace("+", "\\u002b", StringComparison.Ordinal).Replace("=", "\\u003d", StringComparison.Ordinal),
            "letters" => string.Concat(token[..3].Select(c => $"\\u{(int)c:x4}")) + token[3..],
            _ => token.Replace("/", "\\u002F", StringComparison.Ordinal).Replace("+", "\\u002b", StringComparison.Ordinal).Replace("=", "\\u003D", StringComparison.Ordinal),
        };
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200,
            $$"""{"count":2,"results":[{"id":"{{A}}","error_code":"DRS.M00289","error_msg":"token {{echoed}} may not read \/{{A}} ({{echoed}})"},{"id":"{{B}}","status":"CONFIGURATION"}]}"""));
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var batch = await host.Client.GetStatusesAsync(new DrsCaller(token, Caller.ProjectId), [A, B]);

        Assert.Equal($"token *** may not read /{A} (***)", batch[A].Error!.Message);
        Assert.Equal("CONFIGURATION", batch[B].Value!.Status);
    }

    /// <remarks>With AK/SK signing the Authorization header (the access key and a signature DRS accepts for 15 minutes) is the secret a DRS echo would hand over.</remarks>
    [Fact]
    public async Task A_signed_authorization_drs_echoes_whole_or_its_signature_reaches_no_error_message()
    {
        await using var stub = await StubDrs.StartAsync((request, ctx) =>
        {
            var authorization = request.Headers["Authorization"];
            var signature = authorization[(authorization.LastIndexOf("Signature=", StringComparison.Ordinal) + "Signature=".Length)..];
            return StubDrs.WriteAsync(ctx, 200,
                $$"""{"count":2,"results":[{"id":"{{A}}","error_code":"DRS.M00289","error_msg":"auth {{authorization}} refused"},{"id":"{{B}}","error_code":"DRS.M00289","error_msg":"signature {{signature}} refused"}]}""");
        });
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);
        var signed = new DrsCaller("", Caller.ProjectId) { Credential = new DrsGraph.DrsClient.Auth.AkSkCredential("HPUAECHOTEST00000001", "echo-secret-key-2b7e", TimeProvider.System) };

        var batch = await host.Client.GetStatusesAsync(signed, [A, B]);

        Assert.Equal("auth *** refused", batch[A].Error!.Message);
        Assert.Equal("signature *** refused", batch[B].Error!.Message);
        Assert.StartsWith("SDK-HMAC-SHA256 Access=HPUAECHOTEST00000001", Assert.Single(stub.Requests).Headers["Authorization"], StringComparison.Ordinal);
    }

    /// <remarks>
    /// A 400 shaped like a success is DRS refusing a batch none of whose IDs exists, each item saying why. One whose items
    /// carried data was served as data, and cached: a terminal status for five minutes.
    /// </remarks>
    [Fact]
    public async Task A_400_whose_items_carry_data_without_an_error_code_is_no_answer()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 400,
            $$"""{"count":2,"results":[{"id":"{{A}}","status":"RELEASE_RESOURCE_COMPLETE"},{"id":"{{B}}","error_code":"DRS.M00289","error_msg":"not found"}]}"""));
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var batch = await host.Client.GetStatusesAsync(Caller, [A, B]);

        Assert.Equal(DrsErrorKind.Protocol, batch[A].Error?.Kind);
        Assert.Null(batch[A].Value);
        Assert.Equal(DrsErrorKind.NotFound, batch[B].Error?.Kind);
        var line = Assert.Single(host.Logs.Entries, e => e.Category == typeof(DrsClient).FullName && e.Level >= LogLevel.Warning);
        Assert.Contains("1 of its 2 IDs with items this client cannot read", line.Message, StringComparison.Ordinal);
    }

    /// <remarks>A job whose item did not read failed UPSTREAM_PROTOCOL_ERROR with no line saying which call, why, or DRS's request ID.</remarks>
    [Fact]
    public async Task Items_of_a_wrong_shape_fail_their_jobs_with_one_warning_for_the_call()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200,
            $$$"""{"count":3,"results":[{"id":"{{{A}}}","status":["not","a","string"]},{"id":"{{{B}}}","status":{"x":1}},{"id":"{{{C}}}","status":"CONFIGURATION"}]}"""));
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var batch = await host.Client.GetStatusesAsync(Caller, [A, B, C]);

        Assert.Equal(DrsErrorKind.Protocol, batch[A].Error?.Kind);
        Assert.Equal(DrsErrorKind.Protocol, batch[B].Error?.Kind);
        Assert.Equal("CONFIGURATION", batch[C].Value?.Status);
        var line = Assert.Single(host.Logs.Entries, e => e.Category == typeof(DrsClient).FullName && e.Level >= LogLevel.Warning);
        Assert.Contains("answered (HTTP 200, request stubrequest0000000000000000000001) 2 of its 3 IDs with items this client cannot read", line.Message, StringComparison.Ordinal);
        Assert.Contains("(at $.status)", line.Message, StringComparison.Ordinal);
    }

    /// <remarks>An item naming the job and nothing else was a real answer: status UNKNOWN, not terminal, cached for the TTL.</remarks>
    [Fact]
    public async Task An_item_with_neither_data_nor_an_error_code_is_a_protocol_error_for_its_job()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200,
            $$"""{"count":2,"results":[{"id":"{{A}}","status":"CONFIGURATION"},{"id":"{{B}}"}]}"""));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetStatusesAsync(Caller, [A, B]);

        Assert.Equal("CONFIGURATION", batch[A].Value!.Status);
        Assert.Equal((DrsErrorKind.Protocol, DrsErrorCodes.UnreadableResponse), (batch[B].Error!.Kind, batch[B].Error!.Code));
    }

    /// <remarks>
    /// No public source says whether total_record counts subtasks (listed only under their parents), and one answer cannot
    /// have shifted under itself: a single page that did not add up made the list fail for good as "changing right now".
    /// </remarks>
    [Theory]
    [InlineData(2)] // the job and its subtask
    [InlineData(5)] // neither: DRS's count, taken as it comes on one page
    public async Task A_one_page_list_whose_total_counts_otherwise_than_its_jobs_is_read_as_it_comes(int totalRecord)
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, $$"""
            {"total_record":{{totalRecord}},"jobs":[{"id":"{{A}}","status":"CONFIGURATION","children":[{"id":"{{B}}","status":"CHILD_TRANSFER_STARTED"}]}]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var all = await host.Client.ListAllJobsAsync(Caller, new JobListQuery("migration"));

        Assert.True(all.IsSuccess, all.Error?.ToString());
        Assert.Equal([A], all.Value!.Jobs.Select(j => j.Id));
        Assert.Equal(1, all.Value.UpstreamCalls);
    }

    [Fact]
    public async Task An_unreadable_success_body_fails_every_id_as_unreadable_response()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, "<html>maintenance</html>", contentType: "text/html"));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetDetailsAsync(Caller, [A, B]);

        Assert.All(batch.Results.Values, r =>
        {
            Assert.Equal(DrsErrorKind.Protocol, r.Error?.Kind);
            Assert.Equal(DrsErrorCodes.UnreadableResponse, r.Error?.Code);
        });
    }

    [Theory]
    [InlineData("cut short after the first job", """{"count":2,"results":[{"id":"A","status":"CONFIGURATION"},{"id":"B","sta""")]
    [InlineData("cut short after the array", """{"count":2,"results":[{"id":"A","status":"CONFIGURATION"},{"id":"B","status":"CREATING"}]""")]
    [InlineData("something after the root object", """{"count":2,"results":[{"id":"A","status":"CONFIGURATION"},{"id":"B","status":"CREATING"}]} {"count":0}""")]
    [InlineData("a malformed member after the results", """{"results":[{"id":"A","status":"CONFIGURATION"},{"id":"B","status":"CREATING"}],"count":2x}""")]
    [InlineData("results that are not an array", """{"count":2,"results":{"id":"A","status":"CONFIGURATION"}}""")]
    public async Task A_success_body_that_is_not_whole_json_with_a_results_array_answers_no_job(string what, string body)
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, body.Replace("\"A\"", $"\"{A}\"", StringComparison.Ordinal).Replace("\"B\"", $"\"{B}\"", StringComparison.Ordinal)));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetStatusesAsync(Caller, [A, B]);

        // The jobs before the flaw are not served as data either: the answer as a whole is not DRS's.
        Assert.Equal(2, batch.Results.Count);
        Assert.All(batch.Results.Values, r => Assert.True(r.Error?.Code == DrsErrorCodes.UnreadableResponse, $"{what}: {r.Error?.Code ?? "a value"}"));
    }

    /// <summary>An item naming no DRS job ID reached callers as a job, its other fields refused as their own INVALID_JOB_ID.</summary>
    /// <remarks>
    /// The byte ceiling (4 MiB) let one answer of a million empty items through, and each became a record of fifty
    /// properties: over 1 GB, an OutOfMemoryException in a 512 MiB pod. An answer holds at most 1 000 items (ten times any
    /// batch or page), whatever its items say; the whole answer is a protocol error, with one Warning naming the cause.
    /// </remarks>
    [Theory]
    [InlineData(1_001, true)]
    [InlineData(1_001, false)]
    [InlineData(1_300_000, true)]
    public async Task An_answer_with_more_items_than_any_batch_asks_for_is_a_protocol_error(int items, bool readable)
    {
        // Readable: empty items, read whole; not: one item of a wrong shape, so the answer is read item by item.
        var filler = string.Join(",", Enumerable.Repeat("{}", items - 1));
        var first = readable ? $$"""{"id":"{{A}}","status":"CONFIGURATION"}""" : $$$"""{"id":"{{{A}}}","status":{"not":"a string"}}""";
        await using var stub = await StubDrs.StartAsync((request, ctx) => StubDrs.WriteAsync(ctx, 200, request.Operation.Contains("batch", StringComparison.Ordinal)
            ? $$"""{"count":{{items}},"results":[{{first}},{{filler}}]}"""
            : $$"""{"total_record":{{items}},"jobs":[{"id":"{{A}}","status":"CONFIGURATION"},{{filler}}]}"""));
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var batch = await host.Client.GetStatusesAsync(Caller, [A]);
        var list = await host.Client.ListJobsAsync(Caller, new JobListPageRequest(new JobListQuery("migration"), 1, 10));

        Assert.Equal(DrsErrorKind.Protocol, batch[A].Error?.Kind);
        Assert.Equal(DrsErrorKind.Protocol, list.Error?.Kind);
        var lines = host.Logs.Entries.Where(e => e.Category == typeof(DrsClient).FullName && e.Level >= LogLevel.Warning).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, line => Assert.Contains("1000", line.Message, StringComparison.Ordinal));
    }

    /// <remarks>The cap is far above any real answer: 1 000 items still read (the asked job's answer among them).</remarks>
    [Fact]
    public async Task An_answer_of_exactly_the_most_items_reads()
    {
        var filler = string.Join(",", Enumerable.Repeat("{}", 999));
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, $$"""{"count":1000,"results":[{"id":"{{A}}","status":"CONFIGURATION"},{{filler}}]}"""));
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var batch = await host.Client.GetStatusesAsync(Caller, [A]);

        Assert.Equal("CONFIGURATION", batch[A].Value?.Status);
    }

    /// <remarks>
    /// A DRS whose pages are smaller than asked (10 where 100 was asked): the walk asked page 2 by 100, got jobs 11-20 or
    /// nothing, and either lost jobs silently (DRS's total replaced by the count) or failed LIST_INCONSISTENT for good. It
    /// now pages by the size page 1 came in.
    /// </remarks>
    [Theory]
    [InlineData(25, 10)]
    [InlineData(10, 10)]
    [InlineData(7, 10)]
    [InlineData(23, 5)]
    public async Task A_drs_that_pages_by_fewer_than_asked_is_walked_by_its_own_page_size(int total, int cap)
    {
        var all = Enumerable.Range(1, total).Select(i => $"{i:x8}-0000-4000-8000-00000000jb{i:d2}").ToList();
        await using var stub = await StubDrs.StartAsync((request, ctx) =>
        {
            var page = System.Text.Json.JsonDocument.Parse(request.Body).RootElement;
            var (current, per) = (page.GetProperty("cur_page").GetInt32(), Math.Min(page.GetProperty("per_page").GetInt32(), cap));
            var jobs = string.Join(",", all.Skip((current - 1) * per).Take(per).Select(id => $$"""{"id":"{{id}}","status":"CONFIGURATION"}"""));
            return StubDrs.WriteAsync(ctx, 200, $$"""{"total_record":{{total}},"jobs":[{{jobs}}]}""");
        });
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var list = await host.Client.ListAllJobsAsync(Caller, new JobListQuery("migration"));

        Assert.True(list.IsSuccess, list.Error?.ToString());
        Assert.Equal(all, list.Value!.Jobs.Select(j => j.Id));
        Assert.Equal(total, list.Value.TotalRecord);
        Assert.Equal((total + cap - 1) / cap, stub.Requests.Count);
    }

    [Fact]
    public async Task List_items_that_name_no_drs_job_id_are_left_out()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, $$"""
            {"total_record":4,"jobs":[{"id":"{{A}}","status":"CONFIGURATION"},{"id":"../../etc/passwd","status":"CONFIGURATION"},
              {"id":"","status":"CONFIGURATION"},{"status":"CONFIGURATION"}]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var list = await host.Client.ListJobsAsync(Caller, new JobListPageRequest(new JobListQuery("migration"), 1, 10));

        Assert.Equal([A], list.Value!.Jobs.Select(j => j.Id));
    }

    [Fact]
    public async Task A_success_status_with_a_drs_error_body_is_a_protocol_error_that_keeps_what_drs_said()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, """{"error_code":"DRS.M00004","error_msg":"Service maintenance."}"""));
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var batch = await host.Client.GetStatusesAsync(Caller, [A]);
        var list = await host.Client.ListJobsAsync(Caller, new JobListPageRequest(new JobListQuery("migration"), 1, 10));

        foreach (var error in new[] { batch[A].Error, list.Error })
        {
            Assert.Equal(DrsErrorKind.Protocol, error?.Kind);
            Assert.Equal("DRS.M00004", error?.Code);
            Assert.Contains("Service maintenance.", error?.Message, StringComparison.Ordinal);
        }

        var lines = host.Logs.Entries.Where(e => e.Category == typeof(DrsClient).FullName && e.Level >= LogLevel.Warning).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, line => Assert.Contains("DRS.M00004 (HTTP 200", line.Message, StringComparison.Ordinal));
        Assert.All(lines, line => Assert.Contains("cause: an error body with HTTP 200", line.Message, StringComparison.Ordinal));
        // Which region's DRS failed: the same project ID may live in several.
        Assert.All(lines, line => Assert.Contains(" in region default failed ", line.Message, StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Message.StartsWith("DRS status for project ", StringComparison.Ordinal) && line.Message.Contains(" failed for 1 IDs: ", StringComparison.Ordinal));
        // The list call takes no IDs: its line names the page and page size it asked for.
        Assert.Contains(lines, line => line.Message.StartsWith("DRS list for project ", StringComparison.Ordinal) && line.Message.Contains(" failed at page 1 (10 per page): ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"count":1,"results":null}""", "a JSON object")]
    [InlineData("""[1,2,3]""", "a JSON array")]
    [InlineData("""null""", "a JSON null")]
    public async Task Well_formed_json_of_another_shape_names_the_mismatch_in_its_log_line(string body, string shape)
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, body));
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var batch = await host.Client.GetStatusesAsync(Caller, [A]);
        var list = await host.Client.ListJobsAsync(Caller, new JobListPageRequest(new JobListQuery("migration"), 1, 10));

        Assert.Equal(DrsErrorCodes.UnreadableResponse, batch[A].Error?.Code);
        Assert.Equal(DrsErrorCodes.UnreadableResponse, list.Error?.Code);
        var lines = host.Logs.Entries.Where(e => e.Category == typeof(DrsClient).FullName && e.Level >= LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains(lines, line => line.Contains($"cause: JSON without a \"results\" array ({shape})", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains($"cause: JSON without a \"jobs\" array ({shape})", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Items_that_are_not_objects_are_skipped_and_the_last_results_array_is_the_answer()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, $$"""
            {"results":[{"id":"{{A}}","status":"FULL_TRANSFER_STARTED"}],
             "count":2,"results":[1,"x",null,[{"id":"{{B}}"}],{"id":"{{A}}","status":"CONFIGURATION"},{"id":"{{B}}","status":"CREATING"}]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetStatusesAsync(Caller, [A, B]);

        Assert.Equal("CONFIGURATION", batch[A].Value?.Status);
        Assert.Equal("CREATING", batch[B].Value?.Status);
    }

    [Fact]
    public async Task A_plain_error_with_error_message_keeps_the_code_message_and_body_request_id()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 400,
            """{"error_code":"DRS.M00211","error_message":"The page is over the limit.","request_id":"body-request-id-42"}"""));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetStatusesAsync(Caller, [A]);

        Assert.Equal(new DrsError("DRS.M00211", "The page is over the limit.", DrsErrorKind.BadRequest, 400, "body-request-id-42"), batch[A].Error);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task Operation_too_frequent_is_throttling_even_as_a_400()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 400,
            """{"error_code":"DRS.M01503","error_msg":"Operation too frequent."}"""));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetProgressAsync(Caller, [A]);

        Assert.Equal(DrsErrorKind.Throttled, batch[A].Error?.Kind);
        Assert.Equal("DRS.M01503", batch[A].Error?.Code);
        Assert.Equal("stubrequest0000000000000000000001", batch[A].Error?.RequestId);
    }

    [Fact]
    public async Task A_bad_gateway_page_without_json_fails_as_upstream_unavailable()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 502, "<html>bad gateway</html>", contentType: "text/html"));
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var batch = await host.Client.GetStatusesAsync(Caller, [A]);

        Assert.Equal(DrsErrorKind.Unavailable, batch[A].Error?.Kind);
        Assert.Equal(DrsErrorCodes.UpstreamUnavailable, batch[A].Error?.Code);
        Assert.Equal(502, batch[A].Error?.HttpStatus);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Theory]
    [InlineData(408, "", DrsErrorKind.Timeout, DrsErrorCodes.UpstreamTimeout)]
    [InlineData(429, "", DrsErrorKind.Throttled, DrsErrorCodes.UpstreamThrottled)]
    [InlineData(401, "", DrsErrorKind.Unauthorized, DrsErrorCodes.UnreadableResponse)]
    [InlineData(404, "", DrsErrorKind.Protocol, DrsErrorCodes.UnreadableResponse)]
    [InlineData(404, """{"error_code":"APIGW.0101","error_msg":"The API does not exist."}""", DrsErrorKind.BadRequest, "APIGW.0101")]
    [InlineData(500, """{"error_code":"DRS.M00004","error_msg":"Service abnormal."}""", DrsErrorKind.Unavailable, "DRS.M00004")]
    public async Task Plain_answers_map_by_status_and_keep_the_drs_code(int status, string body, DrsErrorKind kind, string code)
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, status, body));
        await using var host = ClientHost.Create(stub.BaseAddress, new Dictionary<string, string?>
        {
            ["Drs:Resilience:Retry:MaxRetryAttempts"] = "1",
            ["Drs:Resilience:Retry:Delay"] = "00:00:00.010",
            ["Drs:Resilience:Retry:ShouldRetryAfterHeader"] = "false",
        });

        var batch = await host.Client.GetStatusesAsync(Caller, [A, B]);

        Assert.All(batch.Results.Values, r =>
        {
            Assert.Equal(kind, r.Error?.Kind);
            Assert.Equal(code, r.Error?.Code);
            Assert.Equal(status, r.Error?.HttpStatus);
            Assert.Equal("stubrequest0000000000000000000001", r.Error?.RequestId);
        });
    }

    [Fact]
    public async Task Item_errors_map_by_code_and_a_job_with_data_and_an_error_code_is_a_value()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, $$"""
            {"count":3,"results":[
              {"id":"{{A}}","status":"FULL_TRANSFER_FAILED","error_code":"DRS.M03040","error_message":"Source database disconnected."},
              {"id":"{{B}}","error_code":"DRS.M05003","error_message":"Not found."},
              {"id":"{{C}}","error_code":"DRS.M99999","error_message":"Something new."}]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetStatusesAsync(Caller, [A, B, C]);

        Assert.Equal("FULL_TRANSFER_FAILED", batch[A].Value?.Status);
        Assert.Equal("DRS.M03040", batch[A].Value?.ErrorCode);
        Assert.Equal(DrsErrorKind.NotFound, batch[B].Error?.Kind);
        Assert.Equal(new DrsError("DRS.M99999", "Something new.", DrsErrorKind.ItemError, 200, "stubrequest0000000000000000000001"), batch[C].Error);
    }

    [Fact]
    public async Task Requests_carry_the_documented_body_and_headers()
    {
        await using var stub = await StubDrs.StartAsync((req, ctx) => StubDrs.WriteAsync(ctx, req.Operation == "batch-progress" ? 202 : 200, """{"count":0,"results":[]}"""));
        await using var host = ClientHost.Create(stub.BaseAddress, new Dictionary<string, string?> { ["Drs:PageSize"] = "2" });

        await host.Client.GetStatusesAsync(Caller, [A, B, C]);
        await host.Client.GetProgressAsync(Caller with { Language = null }, [A, B, C]);

        var requests = stub.Requests.ToList();
        Assert.Equal(3, requests.Count);
        var statusBodies = requests.Where(r => r.Operation == "batch-status").Select(r => r.Body).Order(StringComparer.Ordinal);
        Assert.Equal(
            [
                $$$"""{"jobs":["{{{A}}}","{{{B}}}","{{{C}}}"],"page_req":{"cur_page":1,"per_page":2}}""",
                $$$"""{"jobs":["{{{A}}}","{{{B}}}","{{{C}}}"],"page_req":{"cur_page":2,"per_page":2}}""",
            ],
            statusBodies);
        var progress = Assert.Single(requests, r => r.Operation == "batch-progress");
        Assert.Equal($$"""{"jobs":["{{A}}","{{B}}","{{C}}"]}""", progress.Body);
        Assert.All(requests, r =>
        {
            Assert.Equal(Caller.ProjectId, r.ProjectId);
            Assert.Equal("application/json", r.Headers["Content-Type"]);
            Assert.Contains("application/json", r.Headers["Accept"], StringComparison.Ordinal);
            Assert.Equal(Caller.AuthToken, r.Headers["X-Auth-Token"]);
        });
        Assert.Equal("en-us", requests.First(r => r.Operation == "batch-status").Headers["X-Language"]);
        Assert.False(progress.Headers.ContainsKey("X-Language"));
    }

    [Fact]
    public async Task Chunks_are_sent_concurrently_but_never_more_than_the_configured_number_at_once()
    {
        var inFlight = 0;
        var maxInFlight = 0;
        await using var stub = await StubDrs.StartAsync(async (req, ctx) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            await Task.Delay(150, ctx.RequestAborted);
            var ids = JsonDocument.Parse(req.Body).RootElement.GetProperty("jobs").EnumerateArray().Select(e => e.GetString());
            var items = string.Join(",", ids.Select(id => $$"""{"job_id":"{{id}}","progress":"5","transfer_status":"FULL_TRANSFER_STARTED"}"""));
            Interlocked.Decrement(ref inFlight);
            await StubDrs.WriteAsync(ctx, 202, $$"""{"count":0,"results":[{{items}}]}""");
        });
        await using var host = ClientHost.Create(stub.BaseAddress, new Dictionary<string, string?>
        {
            ["Drs:ChunkSize"] = "2",
            ["Drs:MaxConcurrentChunks"] = "2",
        });
        var ids = Enumerable.Range(0, 9).Select(i => $"0000000{i}-0000-4000-8000-0000000jb001").ToList();

        var batch = await host.Client.GetProgressAsync(Caller, ids);

        Assert.All(ids, id => Assert.Equal("5", batch[id].Value?.Progress));
        Assert.Equal(5, batch.UpstreamCalls);
        Assert.Equal(2, maxInFlight);
        Assert.Equal(5, stub.Requests.Count);
    }

    [Fact]
    public async Task The_documented_examples_are_read_with_their_quirks()
    {
        await using var stub = await StubDrs.StartAsync((req, ctx) => StubDrs.WriteAsync(ctx, 200, req.Operation switch
        {
            "batch-progress" => """
                {"count":1,"results":[{"progress":"0","job_id":"JOB_A","incre_trans_delay":"-1","task_mode":"FULL_INCR_TRANS",
                 "transfer_status":"FULL_TRANSFER_COMPLETE","process_time":"0","remaining_time":"0",
                 "progress_map":{"struct":{"completed":"94%","remaining_time":null},"data":{"completed":"100%","remaining_time":null}}}]}
                """.Replace("JOB_A", A, StringComparison.Ordinal),
            _ => $$"""
                {"count":2,"results":[
                 {"id":"{{A}}","name":"DRS-3999-lws","status":"STARTJOBING","node_num":"2","brand_new_field":{"x":1},
                  "source_endpoint":{"db_type":"mysql","db_port":3306,"ssl_link":false},
                  "inst_info":{"volume_size":100,"status":"active"},"speed_limit":[],"tags":[{"key":"env","value":"prod"}]},
                 {"id":"{{B}}","name":"DRS-0042","status":"CONFIGURATION","node_num":3}]}
                """,
        }));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var progress = await host.Client.GetProgressAsync(Caller, [A]);
        var details = await host.Client.GetDetailsAsync(Caller, [A, B]);

        var p = progress[A].Value!;
        Assert.Equal("-1", p.IncreTransDelay);
        Assert.Equal("94%", p.ProgressMap!["struct"].Completed);
        Assert.Null(p.ProgressMap["data"].RemainingTime);
        var d = details[A].Value!;
        Assert.Equal(2, d.NodeNum);
        Assert.Equal(3, details[B].Value!.NodeNum);
        Assert.Equal(3306, d.SourceEndpoint!.DbPort);
        Assert.Equal(100, d.InstInfo!.VolumeSize);
        Assert.Equal("prod", d.Tags![0].Value);
        Assert.True(d.Extra!.ContainsKey("brand_new_field"));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
