using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;

namespace Tips.Kernels;

/// <summary>
/// Group-wide reductions from ILGPU.Algorithms: they compile on CUDA, OpenCL (raw warp shuffles are Intel-only
/// there) and the CPU emulator. Every thread of the group must call them.
/// </summary>
internal static class GroupMath
{
    public static float Sum(float value) => GroupExtensions.AllReduce<float, AddFloat>(value);

    public static float Max(float value) => GroupExtensions.AllReduce<float, MaxFloat>(value);
}

/// <summary>
/// Sums over rows and whole buffers. Column sums give each thread one column and a chunk of rows, then add
/// atomically (gradient semantics accumulate anyway), so short-and-wide shapes still fill the device.
/// </summary>
internal static class ReductionKernels
{
    /// <summary>y[b, c] += alpha * sum of x[b, r, c] over the rows of chunk Y % chunks; Y = b * chunks + chunk.</summary>
    public static void SumRowsChunk(Index2D i, ArrayView<float> x, ArrayView<float> y, int rows, int cols, int chunk, float alpha)
    {
        int chunks = (rows + chunk - 1) / chunk;
        int b = i.Y / chunks;
        int r0 = i.Y % chunks * chunk;
        int r1 = XMath.Min(rows, r0 + chunk);
        float s = 0f;
        for (int r = r0; r < r1; r++) s += x[((long)b * rows + r) * cols + i.X];
        Atomic.Add(ref y[(long)b * cols + i.X], alpha * s);
    }

    /// <summary>dst[c] += sum over a chunk of rows of a[r, c] * b[r, c].</summary>
    public static void ColumnDotChunk(Index2D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> dst, int rows, int cols, int chunk)
    {
        int r0 = i.Y * chunk;
        int r1 = XMath.Min(rows, r0 + chunk);
        float s = 0f;
        for (int r = r0; r < r1; r++)
        {
            long at = (long)r * cols + i.X;
            s += a[at] * b[at];
        }
        Atomic.Add(ref dst[i.X], s);
    }

    /// <summary>Group per row: dst[r] += sum_c a[r, c] * b[r, c].</summary>
    public static void RowDot(ArrayView<float> a, ArrayView<float> b, ArrayView<float> dst, int cols)
    {
        int r = Grid.IdxX;
        long o = (long)r * cols;
        float s = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX) s += a[o + c] * b[o + c];
        s = GroupMath.Sum(s);
        if (Group.IsFirstThread) dst[r] += s;
    }

    /// <summary>Grid-stride sum of squares; each group adds its partial to result[0] (zeroed before).</summary>
    public static void SumSquares(ArrayView<float> x, ArrayView<float> result)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        float s = 0f;
        for (long i = Grid.GlobalIndex.X; i < x.Length; i += stride)
        {
            float v = x[i];
            s += v * v;
        }
        s = GroupMath.Sum(s);
        if (Group.IsFirstThread) Atomic.Add(ref result[0], s);
    }
}
