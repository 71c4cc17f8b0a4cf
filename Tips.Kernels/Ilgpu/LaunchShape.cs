namespace Tips.Kernels;

/// <summary>
/// Group and tile sizes of the ILGPU kernels. They are kernel parameters, not constants, so the CPU emulator
/// (where each simulated thread is an OS thread and a barrier costs milliseconds) can run tiny groups.
/// </summary>
/// <param name="RowGroup">Threads per group of the group-per-row reductions (a multiple of the warp size).</param>
/// <param name="GemmGroupX">GEMM threads along n; each computes 8 columns, so the tile is 8 * GemmGroupX wide.</param>
/// <param name="GemmGroupY">GEMM threads along m; tile height 8 * GemmGroupY.</param>
/// <param name="GemmTileK">Depth of the shared-memory GEMM tiles.</param>
/// <param name="AttentionGroup">Threads per attention group.</param>
/// <param name="AttentionBlock">Largest query/key block of the attention kernels (shrunk to fit shared memory).</param>
/// <param name="RowChunk">Rows one thread sums before an atomic add in column reductions (dgamma, dbeta, ...).</param>
/// <param name="ReduceGroups">Most groups of a whole-buffer reduction.</param>
internal sealed record LaunchShape(int RowGroup, int GemmGroupX, int GemmGroupY, int GemmTileK,
    int AttentionGroup, int AttentionBlock, int RowChunk, int ReduceGroups)
{
    /// <summary>48 KB of static shared memory is the portable limit; keep a margin for the reductions' own.</summary>
    public const int SharedBytes = 44 * 1024;

    public static LaunchShape Gpu { get; } = new(256, 16, 16, 8, 128, 64, 64, 1024);

    public static LaunchShape ForEmulator(int warpSize) => warpSize >= 32
        ? new(2 * warpSize, 8, 4, 4, warpSize, 4, 2, 4)
        : new(2 * warpSize, 2, 2, 4, 2 * warpSize, 4, 2, 4);
}
