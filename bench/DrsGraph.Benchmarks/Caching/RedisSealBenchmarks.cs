#if HAS_JOB_CACHE
using System.Text;
using BenchmarkDotNet.Attributes;
using DrsGraph.Gateway.Caching;

namespace DrsGraph.Benchmarks.Caching;

/// <summary>
/// What the seal of a Redis entry costs (<c>RedisSeal</c>: HMAC-SHA256 of the key and the value): a cold 20-job x
/// 3-field request seals 60 entries on its way to Redis, and a Redis hit opens one per job field. A detail entry is
/// about 1.1 KB, a status or progress entry 150-300 bytes; the key about 150 bytes.
/// </summary>
[MemoryDiagnoser]
public class RedisSealBenchmarks
{
    private readonly RedisSeal _seal = new(Encoding.UTF8.GetBytes("bench-secret-bench-secret-bench-secret-0123"));
    private readonly byte[] _prefix = Encoding.UTF8.GetBytes("drsgraph:v2:{0123456789abcdef:054ba152d480d55b2f5dc0069e7ddef0:t.0123456789abcdef0123456789abcdef:en-us}:detail:");
    private readonly string _jobId = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private byte[] _detail = [];
    private byte[] _status = [];
    private byte[] _sealedDetail = [];

    [GlobalSetup]
    public void Setup()
    {
        _detail = Encoding.UTF8.GetBytes("{\"value\":{" + string.Join(',', Enumerable.Range(0, 40).Select(i => $"\"property{i:D2}\":\"value-{i:D2}-abcdef\"")) + "},\"fetchedAt\":\"2026-12-07T10:00:00+00:00\"}");
        _status = _detail[..200];
        _sealedDetail = _seal.Seal(_prefix, _jobId, _detail);
    }

    [Benchmark(Baseline = true)]
    public byte[] Seal_detail_entry() => _seal.Seal(_prefix, _jobId, _detail);

    [Benchmark]
    public byte[] Seal_status_entry() => _seal.Seal(_prefix, _jobId, _status);

    [Benchmark]
    public int Open_detail_entry() => _seal.Open(_prefix, _jobId, _sealedDetail);

    /// <summary>The way tried first and not kept: the key and the value copied into one buffer, then a one-shot HMAC.</summary>
    [Benchmark]
    public byte[] One_shot_hmac_detail_entry() => OneShot(_detail);

    [Benchmark]
    public byte[] One_shot_hmac_status_entry() => OneShot(_status);

    private byte[] OneShot(byte[] payload)
    {
        var id = Encoding.UTF8.GetBytes(_jobId);
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(4 + _prefix.Length + id.Length + payload.Length);
        try
        {
            var input = rented.AsSpan(0, 4 + _prefix.Length + id.Length + payload.Length);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(input, _prefix.Length + id.Length);
            _prefix.CopyTo(input[4..]);
            id.CopyTo(input[(4 + _prefix.Length)..]);
            payload.CopyTo(input[(4 + _prefix.Length + id.Length)..]);
            var sealedValue = new byte[payload.Length + RedisSeal.Overhead];
            payload.CopyTo(sealedValue, 0);
            Span<byte> tag = stackalloc byte[32];
            System.Security.Cryptography.HMACSHA256.HashData(OneShotKey, input, tag);
            Convert.TryToHexStringLower(tag[..16], sealedValue.AsSpan(payload.Length + 1), out _);
            return sealedValue;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static readonly byte[] OneShotKey = new byte[32];
}
#endif
