using System.Numerics;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// Remembers, approximately, which keys were stored recently: a pair of Bloom filters over the keys' hash codes, the
/// TinyLFU paper's "doorkeeper". A key is <see cref="SeenBefore"/> when it was marked during the current or the previous
/// generation; a generation ends after <c>generation</c> marks, so every mark is remembered for at least that many
/// more. Wrong answers are rare and harmless either way: a "seen" for a new key (at most about 0.04 %, with 32 bits and
/// 4 probes per mark) only lets a one-off answer compete in the W-TinyLFU as before; a "new" for a key seen long ago
/// only keeps it in the first-use window one more time. Lock-free except when a generation ends.
/// </summary>
internal sealed class Doorkeeper
{
    private const int Probes = 4;
    private const int BitsPerMark = 32;

    private readonly int _generation;
    private readonly ulong _bits;
    private readonly Lock _turning = new();
    private long[] _current;
    private long[] _previous;
    private int _marks;

    /// <param name="generation">Marks per generation: how many other keys may be stored before one is forgotten (at least this many, at most twice).</param>
    public Doorkeeper(int generation)
    {
        _generation = Math.Max(generation, 64);
        var words = (int)Math.Min(((long)_generation * BitsPerMark / 64) + 1, Array.MaxLength);
        _bits = (ulong)words * 64;
        _current = new long[words];
        _previous = new long[words];
    }

    /// <summary>Bytes the two filters hold.</summary>
    public long Bytes => 2L * _current.Length * sizeof(long);

    /// <summary>Whether the key with this hash code was marked recently; marks it either way.</summary>
    /// <param name="hash">The key's hash code (<see cref="JobKey"/>'s, randomized per process: keys cannot be chosen to collide).</param>
    public bool SeenBefore(int hash)
    {
        var current = Volatile.Read(ref _current);
        var previous = Volatile.Read(ref _previous);
        var inCurrent = true;
        var inPrevious = true;
        // Double hashing (Kirsch and Mitzenmacher): probe i is h1 + i * h2, h2 odd so the probes differ; each is mapped
        // onto the bits by multiplication (Lemire), so the filter needs no power-of-two size.
        var h1 = (uint)hash;
        var h2 = (BitOperations.RotateLeft(h1, 16) * 0x9E3779B1u) | 1u;
        for (var i = 0u; i < Probes; i++)
        {
            var bit = ((ulong)(h1 + (i * h2)) * _bits) >> 32;
            var word = (int)(bit >> 6);
            var flag = 1L << (int)(bit & 63);
            inPrevious &= (Volatile.Read(ref previous[word]) & flag) != 0;
            if ((Volatile.Read(ref current[word]) & flag) == 0)
            {
                inCurrent = false;
                Interlocked.Or(ref current[word], flag);
            }
        }

        if (!inCurrent && Interlocked.Increment(ref _marks) >= _generation)
        {
            Turn(current);
        }

        return inCurrent || inPrevious;
    }

    private void Turn(long[] ending)
    {
        lock (_turning)
        {
            // Another writer turned it meanwhile.
            if (!ReferenceEquals(_current, ending))
            {
                return;
            }

            // The oldest filter is emptied and becomes the current one. A writer still holding it from before may set a
            // bit in it now: one key remembered for a generation more, the harmless direction.
            var oldest = _previous;
            Array.Clear(oldest);
            Volatile.Write(ref _previous, ending);
            Volatile.Write(ref _current, oldest);
            Volatile.Write(ref _marks, 0);
        }
    }
}
