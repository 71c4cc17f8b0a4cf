namespace Tips.Train.Training;

/// <summary>
/// SplitMix64: a small seeded generator whose whole state is one integer, so a checkpoint can store it and a
/// resumed run draws the same masks (System.Random's state is not accessible).
/// </summary>
public sealed class TrainRng(ulong state)
{
    public ulong State { get; set; } = state;

    public ulong NextUInt64()
    {
        ulong z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int Next(int n) => (int)(NextDouble() * n);
}
