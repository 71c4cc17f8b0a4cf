namespace Tips.Train.Data;

/// <summary>
/// A small seeded generator (SplitMix64) whose sequence is fixed by this file alone, so generated data and crops
/// stay identical across .NET versions and machines (System.Random's seeded sequence is not a documented contract).
/// </summary>
public struct DataRng
{
    private ulong _state;

    public DataRng(ulong seed) => _state = seed;

    /// <summary>A stream for item <paramref name="index"/> of a run seeded with <paramref name="seed"/>; streams of
    /// neighbouring indices are unrelated (both words go through the mixer).</summary>
    public static DataRng For(ulong seed, ulong index, ulong salt = 0) =>
        new(Mix(Mix(seed ^ 0x6A09E667F3BCC909UL) ^ Mix(index + 0x3C6EF372FE94F82BUL) ^ salt));

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer in [0, n); n &gt; 0. Multiply-shift (Lemire) without the rejection step: the bias is
    /// below 2^-32 for the small n used here.</summary>
    public int Next(int n) => (int)(((NextUInt64() >> 32) * (ulong)n) >> 32);

    public int Next(int lo, int hiExclusive) => lo + Next(hiExclusive - lo);

    public bool Chance(double p) => NextDouble() < p;

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
