using System.Buffers;
using System.Net;
using DrsGraph.Gateway.GraphQLHttp;
using DrsGraph.Gateway.Limits;
using DrsGraph.Gateway.Tests.Faults;
using GraphQL;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// What a small query can make the gateway hold: its errors (Gateway:Limits:MaxErrors), its answer while it is serialized
/// (GraphQL:Http:MaxResponseBytes, enforced as bytes are written), and large operations at once
/// (Gateway:Limits:MaxResultFieldsInFlight). One 40 KB query of 400 aliases over 500 unknown jobs built 200 000 errors and
/// 900 MB; three at once ended a gateway with a 384 MB heap.
/// </summary>
public sealed class ErrorFloodTests
{
    private static readonly string[] UnknownJobs = [.. Enumerable.Range(0, 6).Select(i => $"{i:x8}-aaaa-4aaa-8aaa-aaaaaaaajb0{i}")];

    [Fact]
    public async Task Past_MaxErrors_the_fields_are_null_and_one_TOO_MANY_ERRORS_error_counts_the_rest()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(null, ("Gateway:Limits:MaxErrors", "10"), ("Gateway:Security:RateLimit:Enabled", "false")));

        // 6 unknown jobs x 3 status fields: 18 field errors.
        var answer = await rig.QueryAsync("query($ids: [ID!]!) { jobs(ids: $ids) { id a: status b: status c: status } }", variables: new { ids = UnknownJobs });

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(11, answer.Errors.Count);
        Assert.All(answer.Errors.Take(10), e => Assert.Equal("DRS.M00289", e!["extensions"]!["code"]!.GetValue<string>()));
        var last = answer.Errors[10]!;
        Assert.Equal("TOO_MANY_ERRORS", last["extensions"]!["code"]!.GetValue<string>());
        Assert.StartsWith("8 more field error(s) were left out", last["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var jobs = answer.Data!["jobs"]!.AsArray();
        Assert.Equal(UnknownJobs, jobs.Select(j => j!["id"]!.GetValue<string>()));
        Assert.All(jobs, j => Assert.True(j!["a"] is null && j["b"] is null && j["c"] is null));

        // Below the cap nothing is left out.
        var few = await rig.QueryAsync("query($ids: [ID!]!) { jobs(ids: $ids) { status } }", variables: new { ids = UnknownJobs[..3] });
        Assert.Equal(["DRS.M00289", "DRS.M00289", "DRS.M00289"], few.Codes);
    }

    [Fact]
    public async Task An_answer_reaches_its_bounded_buffer_as_it_is_written_and_stops_at_the_ceiling()
    {
        // The gateway's serializer, called as the endpoint and the streaming transports call it: through the interface.
        await using var rig = await GatewayRig.StartAsync();
        var serializer = rig.Services.GetRequiredService<IGraphQLSerializer>();
        Assert.IsType<BufferedGraphQLSerializer>(serializer);
        // About 4 MB of JSON.
        var result = new ExecutionResult { Errors = [] };
        for (var i = 0; i < 20_000; i++)
        {
            result.Errors.Add(new ExecutionError($"error {i}: {new string('x', 150)}") { Code = "SOME_CODE" });
        }

        var output = new RecordingBuffer(ceiling: 256 * 1024);
        await Assert.ThrowsAsync<CeilingReachedException>(() => serializer.WriteAsync(output, result));

        // Before, the whole answer was built in the serializer's own buffer and handed over in one piece at the end.
        Assert.True(output.LargestCommit <= 64 * 1024, $"largest commit {output.LargestCommit} bytes");
        Assert.True(output.Committed <= 256 * 1024, $"{output.Committed} bytes committed");

        // Under the ceiling the bytes are the serializer's, whole.
        var small = new RecordingBuffer(ceiling: 1024 * 1024);
        await serializer.WriteAsync(small, new ExecutionResult { Errors = [new ExecutionError("one") { Code = "ONE" }] });
        Assert.Equal("""{"errors":[{"message":"one","extensions":{"code":"ONE"}}]}""", System.Text.Encoding.UTF8.GetString(small.Written));
    }

    [Fact]
    public async Task Large_operations_take_turns_and_one_that_gets_no_turn_within_its_budget_is_a_503_SERVER_BUSY()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(null,
            ("Gateway:Limits:MaxResultFieldsInFlight", "1000"), ("Gateway:RequestTimeout", "00:00:01.500"), ("Gateway:Security:RateLimit:Enabled", "false")));
        var inFlight = rig.Services.GetRequiredService<ResultFieldsInFlight>();

        // The test holds the whole budget, as a large operation executing would.
        using (var held = await inFlight.AcquireAsync(5000, TimeSpan.FromSeconds(1), CancellationToken.None))
        {
            Assert.NotNull(held);
            var refused = await rig.QueryAsync("{ __typename }");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
            Assert.Equal("SERVER_BUSY", Assert.Single(refused.Codes));
            Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);
            Assert.True(refused.Elapsed >= TimeSpan.FromSeconds(1.2), $"answered after {refused.Elapsed}");
            Assert.Equal(1, rig.Logs.Count("got no room within"));
        }

        // Released: the same request runs, and leaves nothing held.
        (await rig.QueryAsync("{ __typename }")).AssertNoErrors();
        Assert.Equal(0, inFlight.InUse);
    }

    [Fact]
    public async Task Waiting_operations_are_let_in_in_arrival_order_and_one_that_gives_up_leaves_the_queue()
    {
        var inFlight = new ResultFieldsInFlight(Options.Create(new QueryLimitOptions { MaxResultFieldsInFlight = 1000 }));
        var first = await inFlight.AcquireAsync(600, TimeSpan.FromSeconds(1), CancellationToken.None);

        var large = inFlight.AcquireAsync(900, TimeSpan.FromSeconds(10), CancellationToken.None);
        // Fits beside the first, but a larger operation waits ahead of it.
        var small = inFlight.AcquireAsync(100, TimeSpan.FromSeconds(10), CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = inFlight.AcquireAsync(50, TimeSpan.FromSeconds(10), cancel.Token);
        var timesOut = await inFlight.AcquireAsync(100, TimeSpan.FromMilliseconds(50), CancellationToken.None);
        Assert.Null(timesOut);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(large.IsCompleted);
        Assert.False(small.IsCompleted);
        // An ordinary operation (up to 1 % of the budget) that fits is not held behind the large ones waiting.
        using (var ordinary = inFlight.TryAcquire(10))
        {
            Assert.NotNull(ordinary);
        }

        // The first leaves: the large one is let in, and the small one behind it fits too.
        first!.Dispose();
        var largeLease = await large;
        var smallLease = await small;
        Assert.Equal(1000, inFlight.InUse);

        // An estimate larger than the whole budget runs alone.
        var huge = inFlight.AcquireAsync(1e12, TimeSpan.FromSeconds(10), CancellationToken.None);
        largeLease!.Dispose();
        Assert.False(huge.IsCompleted);
        smallLease!.Dispose();
        smallLease.Dispose();
        using var hugeLease = await huge;
        Assert.Equal(1000, inFlight.InUse);
    }

    private sealed class CeilingReachedException : Exception;

    /// <summary>
    /// A stream that is also a buffer writer (as BoundedResponseBuffer is), recording how the serializer hands it bytes
    /// and refusing past a ceiling; written to as a stream, it fails: the serializer must use it as a buffer writer.
    /// </summary>
    private sealed class RecordingBuffer(int ceiling) : Stream, IBufferWriter<byte>
    {
        private byte[] _buffer = new byte[4096];

        public int Committed { get; private set; }

        public int LargestCommit { get; private set; }

        public byte[] Written => _buffer[..Committed];

        public void Advance(int count)
        {
            if (Committed + count > ceiling)
            {
                throw new CeilingReachedException();
            }

            Committed += count;
            LargestCommit = Math.Max(LargestCommit, count);
        }

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            if (_buffer.Length - Committed < Math.Max(sizeHint, 1))
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Committed + Math.Max(sizeHint, 1)));
            }

            return _buffer.AsMemory(Committed);
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Committed;

        public override long Position { get => Committed; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("written as a stream");

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
