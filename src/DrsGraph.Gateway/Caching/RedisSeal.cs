using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// Seals what the gateway writes to Redis and it reads back as data (the job cache's entries, the subscription feeds'
/// messages and registrations): the bytes are followed by <c>~</c> and 128 bits of an HMAC-SHA256 (in hex) of the key or
/// channel they are written under and the bytes themselves, keyed by a key derived from <c>Gateway:Cache:KeySecret</c>.
/// </summary>
/// <remarks>
/// Redis is outside the process: without a seal, anyone who could write to it could put a plausible answer under any
/// caller's key (or copy one caller's entry under another's), publish job events to every replica's subscribers, or end
/// their streams with a forged "token refused" message. A sealed value opens only under the key it was written for and
/// only for replicas sharing the secret (without one, each process has a random secret, and its own seal). The seal does
/// not hide anything: Redis must still be protected like the gateway's memory (its entries are DRS's answers in clear).
/// Persisted queries need no seal: they are kept under their own SHA-256, which is checked on every read.
/// The seal is text, so <c>redis-cli</c> shows entries as they are.
/// </remarks>
public sealed class RedisSeal
{
    /// <summary>What sealing adds to a value: <c>~</c> and 32 hex digits.</summary>
    public const int Overhead = 1 + (2 * TagBytes);

    private const int TagBytes = 16;
    private const byte Separator = (byte)'~';

    // The HMAC this thread last used, and whose key it holds (a process has one seal; tests start many gateways).
    [ThreadStatic]
    private static IncrementalHash? t_mac;
    [ThreadStatic]
    private static byte[]? t_macKey;

    private readonly byte[] _key;

    public RedisSeal(ReadOnlySpan<byte> secret)
    {
        // A key of its own, so no HMAC the cache computes for its keys (token hashes) is ever a seal, or the reverse.
        _key = HMACSHA256.HashData(secret, "DrsGraph Redis seal v1"u8);
    }

    /// <summary><paramref name="payload"/> sealed for the key or channel whose UTF-8 bytes are <paramref name="where"/> then <paramref name="whereSuffix"/>.</summary>
    public byte[] Seal(ReadOnlySpan<byte> where, string? whereSuffix, ReadOnlySpan<byte> payload)
    {
        var sealedValue = new byte[payload.Length + Overhead];
        payload.CopyTo(sealedValue);
        sealedValue[payload.Length] = Separator;
        Span<byte> tag = stackalloc byte[32];
        Compute(where, whereSuffix, payload, tag);
        WriteHex(tag[..TagBytes], sealedValue.AsSpan(payload.Length + 1));
        return sealedValue;
    }

    /// <summary><see cref="Seal(ReadOnlySpan{byte}, string?, ReadOnlySpan{byte})"/> for a key or channel given as text.</summary>
    public byte[] Seal(string where, ReadOnlySpan<byte> payload) => Seal([], where, payload);

    /// <summary>
    /// The length of the payload <paramref name="stored"/> carries when its seal is this gateway's for that key or channel,
    /// else -1 (no seal, another secret's, another key's, or altered).
    /// </summary>
    public int Open(ReadOnlySpan<byte> where, string? whereSuffix, ReadOnlySpan<byte> stored)
    {
        var length = stored.Length - Overhead;
        if (length < 0 || stored[length] != Separator)
        {
            return -1;
        }

        Span<byte> tag = stackalloc byte[32];
        Compute(where, whereSuffix, stored[..length], tag);
        Span<byte> hex = stackalloc byte[2 * TagBytes];
        WriteHex(tag[..TagBytes], hex);
        return CryptographicOperations.FixedTimeEquals(hex, stored[(length + 1)..]) ? length : -1;
    }

    /// <summary><see cref="Open(ReadOnlySpan{byte}, string?, ReadOnlySpan{byte})"/> for a key or channel given as text.</summary>
    public int Open(string where, ReadOnlySpan<byte> stored) => Open([], where, stored);

    private void Compute(ReadOnlySpan<byte> where, string? whereSuffix, ReadOnlySpan<byte> payload, Span<byte> tag)
    {
        // The MAC covers the key's length, the key and the payload: no split of one (key, value) pair is another's.
        // One HMAC per thread, reset by each use: a one-shot HMAC per value (HMACSHA256.HashData over a copy of key and
        // value) cost a fifth more for a status entry, its setup outweighing the hashing (bench/README.md, 2026-12-07).
        var mac = ThreadMac();
        var suffixBytes = whereSuffix is null ? 0 : Encoding.UTF8.GetByteCount(whereSuffix);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, where.Length + suffixBytes);
        mac.AppendData(length);
        mac.AppendData(where);
        if (suffixBytes > 0)
        {
            var rented = suffixBytes > 256 ? ArrayPool<byte>.Shared.Rent(suffixBytes) : null;
            var suffix = rented is null ? stackalloc byte[suffixBytes] : rented.AsSpan(0, suffixBytes);
            Encoding.UTF8.GetBytes(whereSuffix, suffix);
            mac.AppendData(suffix);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        mac.AppendData(payload);
        mac.GetHashAndReset(tag);
    }

    private IncrementalHash ThreadMac()
    {
        if (!ReferenceEquals(t_macKey, _key))
        {
            t_mac?.Dispose();
            t_mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
            t_macKey = _key;
        }

        return t_mac!;
    }

    private static void WriteHex(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        ReadOnlySpan<byte> digits = "0123456789abcdef"u8;
        for (var i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = digits[bytes[i] >> 4];
            destination[(2 * i) + 1] = digits[bytes[i] & 0xF];
        }
    }
}
