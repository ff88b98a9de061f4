namespace CreditPolicy.Cli.Generation;

/// <summary>A small deterministic random source (xoshiro256**, seeded through SplitMix64): the same seed gives the same stream on every machine and runtime.</summary>
/// <remarks>Not <see cref="Random"/>: its seeded algorithm is an implementation detail of the runtime, and a generated book must be reproducible from its seed alone.</remarks>
internal sealed class Rng
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public Rng(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>One step of SplitMix64: advances <paramref name="state"/> and returns a well-mixed value of it.</summary>
    public static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong Next()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A whole number in [0, <paramref name="count"/>).</summary>
    public int Below(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return (int)(((Next() >> 32) * (ulong)count) >> 32);
    }

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int Int(int min, int max) => (int)Long(min, max);

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long Long(long min, long max)
    {
        if (max <= min) return min;
        var span = (ulong)(max - min) + 1;
        if (span == 0) return (long)Next(); // the whole range
        return min + (long)(ulong)(((UInt128)Next() * span) >> 64);
    }

    /// <summary>A number in [0, 1).</summary>
    public double Double() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => Double() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Below(items.Count)];

    /// <summary>An index chosen with the given relative weights.</summary>
    public int Weighted(ReadOnlySpan<double> weights)
    {
        var total = 0.0;
        foreach (var w in weights) total += w;
        var x = Double() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            x -= weights[i];
            if (x < 0) return i;
        }

        return weights.Length - 1;
    }

    /// <summary>Shuffles a list in place (Fisher-Yates).</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = Below(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
