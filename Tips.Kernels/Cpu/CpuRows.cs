namespace Tips.Kernels;

/// <summary>Argument checks and row-parallel loops shared by the cpu op families.</summary>
internal static class CpuRows
{
    /// <summary>Below this many touched elements an op runs on the calling thread (task overhead dominates).</summary>
    private const long ParallelThreshold = 1 << 15;

    /// <summary>Runs <paramref name="body"/>(r0, r1) over contiguous row ranges covering [0, rows).</summary>
    public static void For(int rows, long workPerRow, Action<int, int> body)
    {
        int chunks = rows * workPerRow < ParallelThreshold ? 1 : Math.Min(rows, Environment.ProcessorCount * 4);
        if (chunks <= 1)
        {
            if (rows > 0) body(0, rows);
            return;
        }
        Parallel.For(0, chunks, c => body((int)((long)rows * c / chunks), (int)((long)rows * (c + 1) / chunks)));
    }

    /// <summary>Number of row chunks <see cref="ForChunks"/> uses, so callers can size per-chunk partials.</summary>
    public static int ChunkCount(int rows, long workPerRow) =>
        rows * workPerRow < ParallelThreshold ? 1 : Math.Max(1, Math.Min(rows, Environment.ProcessorCount * 4));

    /// <summary>Like <see cref="For"/> but also passes the chunk index (0 .. ChunkCount-1) for per-chunk partial sums.</summary>
    public static void ForChunks(int rows, long workPerRow, Action<int, int, int> body)
    {
        int chunks = ChunkCount(rows, workPerRow);
        if (chunks == 1)
        {
            if (rows > 0) body(0, 0, rows);
            return;
        }
        Parallel.For(0, chunks, c => body(c, (int)((long)rows * c / chunks), (int)((long)rows * (c + 1) / chunks)));
    }

    public static void CheckDims(string op, params int[] dims)
    {
        foreach (int d in dims)
            if (d < 0) throw new BackendException($"{op}: negative size {d}");
    }
}

public sealed partial class CpuBackend
{
    /// <summary>The cpu buffer behind <paramref name="buffer"/>, which must hold at least <paramref name="needed"/> elements.</summary>
    private CpuBuffer<T> Need<T>(DeviceBuffer<T> buffer, long needed, string op, string name) where T : unmanaged
    {
        var b = Own(buffer);
        if (b.Length < needed)
            throw new BackendException($"{op}: buffer '{name}' has {b.Length} elements, needs {needed}");
        return b;
    }
}
