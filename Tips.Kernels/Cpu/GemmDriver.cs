using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tips.Kernels;

/// <summary>
/// Packed, cache-blocked GEMM for one batch entry (GotoBLAS/BLIS blocking).
/// B (k x n) is packed once per chunk into NR-wide slivers (kc x NR each), shared by all threads. Each thread owns a
/// range of MR-row tiles (or of slivers when n splits better), packs A for a block of its tiles over the chunk's depth
/// into MR-tall slivers (kc x MR), then for each kc block walks groups of slivers whose kc x nc block stays in L2,
/// running every tile of the block against the group: the A sliver (MR x kc) stays in L1 while B streams from L2.
/// Transposes are absorbed by the packing, so NN/NT/TN/TT run the same micro-kernel.
/// Versions (1026 x 3072 x 768 NT and the other TIPS shapes, 2 cores, heavy shared load; see bench/run.sh): 8x32 tiles,
/// Kc 256, tiles innermost so each B sliver sat in L1 while A came from L2: 65-75 GFLOP/s per CPU-second; this
/// version (12x32, kc ~384, slivers innermost): see the header of CpuBackend.Gemm.cs for its numbers.
/// </summary>
internal sealed unsafe class GemmDriver
{
    // A sliver MR x kc (12 x 384 x 4 = 18 KiB) fits the 32 KiB L1 beside the B lines streaming through it.
    private const int KcTarget = 384;
    // kc x nc block of packed B that one tile row streams from L2 (1 MiB per core): 384 x 384 floats = 576 KiB.
    private const int BlockFloats = 384 * 384;
    // Tiles of A packed at once over the chunk depth (12 x 32 rows x 3072 x 4 = 4.5 MiB at most, in L3).
    private const int PackTiles = 32;
    // Packed B per chunk (16 MiB): TIPS shapes (k x n <= 3072 x 3072) pack in one chunk.
    private const int ChunkFloats = 1 << 22;

    [ThreadStatic] private static GemmDriver? t_driver;
    [ThreadStatic] private static float[]? t_packA;

    private readonly Action<int> _packBody;
    private readonly Action<int> _computeBody;
    private float[] _packB = [];

    private GemmProblem _p;
    private float* _a, _b, _c, _bias, _packBPtr;
    private bool _wide;
    private int _mr, _nr, _kc, _threads;
    private int _sliver0, _slivers, _k0, _kLen;
    private bool _splitRows;

    private GemmDriver()
    {
        _packBody = PackB;
        _computeBody = Compute;
    }

    public static GemmDriver ForThread() => t_driver ??= new GemmDriver();

    /// <summary>C = act(alpha op(A) op(B) + beta C + bias) with <paramref name="threads"/> workers; k &gt; 0.</summary>
    public void Run(in GemmProblem p, float* a, float* b, float* c, float* bias, bool wide, int threads)
    {
        _p = p;
        _a = a;
        _b = b;
        _c = c;
        _bias = bias;
        _wide = wide;
        _mr = wide ? 12 : 6;
        _nr = wide ? 32 : 16;
        _threads = threads;
        // Equal kc blocks (768 = 2 x 384, 1026 = 3 x 342): no short last block that runs the kernel at low depth.
        int kBlocks = (p.K + KcTarget - 1) / KcTarget;
        _kc = (p.K + kBlocks - 1) / kBlocks;
        int totalSlivers = (p.N + _nr - 1) / _nr;
        int chunkK = Math.Min(p.K, Math.Max(_kc, ChunkFloats / (totalSlivers * _nr) / _kc * _kc));
        int chunkSlivers = Math.Min(totalSlivers, Math.Max(1, ChunkFloats / (chunkK * _nr)));
        long packFloats = (long)chunkSlivers * _nr * chunkK + AlignFloats;
        if (_packB.Length < packFloats)
            _packB = GC.AllocateUninitializedArray<float>((int)packFloats, pinned: true);

        fixed (float* packB = _packB)
        {
            _packBPtr = Align(packB);
            for (_sliver0 = 0; _sliver0 < totalSlivers; _sliver0 += chunkSlivers)
            {
                _slivers = Math.Min(chunkSlivers, totalSlivers - _sliver0);
                int mTiles = (p.M + _mr - 1) / _mr;
                _splitRows = Imbalance(mTiles, threads) <= Imbalance(_slivers, threads);
                for (_k0 = 0; _k0 < p.K; _k0 += chunkK)
                {
                    _kLen = Math.Min(chunkK, p.K - _k0);
                    if (threads == 1)
                    {
                        PackB(0);
                        Compute(0);
                    }
                    else
                    {
                        Parallel.For(0, threads, _packBody);
                        Parallel.For(0, threads, _computeBody);
                    }
                }
            }
        }
        _a = _b = _c = _bias = _packBPtr = null;
    }

    // Packed panels start on a cache line, so that no 64-byte load of a B sliver splits two lines.
    private const int AlignFloats = 16;

    private static float* Align(float* p) => (float*)(((nint)p + 63) & ~(nint)63);

    /// <summary>Largest share over the mean share when <paramref name="units"/> are split over the threads.</summary>
    private static double Imbalance(int units, int threads) => Math.Ceiling((double)units / threads) * threads / units;

    private static (int Begin, int End) Share(int units, int parts, int part) =>
        ((int)((long)units * part / parts), (int)((long)units * (part + 1) / parts));

    /// <summary>Packs this thread's share of the current chunk's slivers, kc block by kc block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackB(int part)
    {
        var (s0, s1) = Share(_slivers, _threads, part);
        int nr = _nr, width = _slivers * nr;
        for (int kk = 0; kk < _kLen; kk += _kc)
        {
            int kc = Math.Min(_kc, _kLen - kk);
            for (int s = s0; s < s1; s++)
            {
                int j = (_sliver0 + s) * nr;
                PackBSliver(_k0 + kk, kc, j, Math.Min(nr, _p.N - j), _packBPtr + (long)kk * width + (long)s * kc * nr);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackBSliver(int p0, int kc, int j0, int cols, float* dst)
    {
        int nr = _nr, ldb = _p.Ldb;
        if (!_p.TransB)
        {
            for (int q = 0; q < kc; q++)
            {
                float* src = _b + (long)(p0 + q) * ldb + j0;
                float* d = dst + q * nr;
                new ReadOnlySpan<float>(src, cols).CopyTo(new Span<float>(d, cols));
                if (cols < nr) new Span<float>(d + cols, nr - cols).Clear();
            }
            return;
        }
        PackTransposed(_b + (long)j0 * ldb + p0, ldb, cols, kc, nr, dst);
    }

    /// <summary>This thread's rectangle of C (tiles or slivers of the chunk) over the chunk depth.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compute(int part)
    {
        int mr = _mr, nr = _nr, m = _p.M, n = _p.N, ldc = _p.Ldc;
        int mTiles = (m + mr - 1) / mr;
        var (t0, t1) = _splitRows ? Share(mTiles, _threads, part) : (0, mTiles);
        var (s0, s1) = _splitRows ? (0, _slivers) : Share(_slivers, _threads, part);
        int packTiles = Math.Min(PackTiles, t1 - t0), width = _slivers * nr;
        int groupSlivers = Math.Max(1, BlockFloats / (_kc * nr));
        long packFloats = (long)packTiles * mr * _kLen + AlignFloats;
        if (t_packA is null || t_packA.Length < packFloats)
            t_packA = GC.AllocateUninitializedArray<float>((int)packFloats, pinned: true);
        float* tile = stackalloc float[12 * 32];
        bool epilogue = _bias != null || _p.Activation != Activation.None;

        fixed (float* packAUnaligned = t_packA)
        {
            float* packA = Align(packAUnaligned);
            for (int tb = t0; tb < t1; tb += packTiles)
            {
                int tiles = Math.Min(packTiles, t1 - tb), i0 = tb * mr, rows = Math.Min(tiles * mr, m - i0);
                PackA(i0, rows, packA);
                for (int kk = 0; kk < _kLen; kk += _kc)
                {
                    int kc = Math.Min(_kc, _kLen - kk), p0 = _k0 + kk;
                    float beta = p0 == 0 ? _p.Beta : 1f;
                    bool last = p0 + kc == _p.K;
                    for (int g0 = s0; g0 < s1; g0 += groupSlivers)
                    {
                        int g1 = Math.Min(s1, g0 + groupSlivers);
                        for (int t = 0; t < tiles; t++)
                        {
                            int tileRows = Math.Min(mr, rows - t * mr);
                            float* ap = packA + (long)kk * tiles * mr + (long)t * kc * mr;
                            for (int s = g0; s < g1; s++)
                            {
                                float* bp = _packBPtr + (long)kk * width + (long)s * kc * nr;
                                int j = (_sliver0 + s) * nr, cols = Math.Min(nr, n - j);
                                float* cp = _c + (long)(i0 + t * mr) * ldc + j;
                                if (tileRows == mr && cols == nr)
                                    Kernel(kc, ap, bp, cp, ldc, _p.Alpha, beta);
                                else
                                {
                                    Kernel(kc, ap, bp, tile, nr, 1f, 0f);
                                    for (int r = 0; r < tileRows; r++)
                                    for (int q = 0; q < cols; q++)
                                    {
                                        float v = _p.Alpha * tile[r * nr + q];
                                        cp[(long)r * ldc + q] = beta == 0f ? v : MathF.FusedMultiplyAdd(beta, cp[(long)r * ldc + q], v);
                                    }
                                }
                                if (last && epilogue)
                                    for (int r = 0; r < tileRows; r++)
                                        GemmEpilogue.Apply(cp + (long)r * ldc, cols, _bias == null ? null : _bias + j, _p.Activation);
                            }
                        }
                    }
                }
            }
        }
    }

    private void Kernel(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        if (_wide) GemmMicroKernels.Kernel12x32(kc, a, b, c, ldc, alpha, beta);
        else GemmMicroKernels.Kernel6x16(kc, a, b, c, ldc, alpha, beta);
    }

    /// <summary>
    /// Rows [i0, i0 + rows) of op(A) over the chunk depth into MR-tall slivers, zero-padded to whole tiles:
    /// kc block kk holds its tiles' slivers (kc x MR each) one after another, starting at kk * tiles * MR.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackA(int i0, int rows, float* dst)
    {
        int mr = _mr, lda = _p.Lda, tiles = (rows + mr - 1) / mr;
        for (int kk = 0; kk < _kLen; kk += _kc)
        {
            int kc = Math.Min(_kc, _kLen - kk), p0 = _k0 + kk;
            float* block = dst + (long)kk * tiles * mr;
            for (int t = 0; t < tiles; t++)
            {
                int h = Math.Min(mr, rows - t * mr);
                float* d = block + (long)t * kc * mr;
                if (_p.TransA)
                    PackRows(_a + (long)p0 * lda + i0 + t * mr, lda, h, kc, mr, d);
                else
                    PackTransposed(_a + (long)(i0 + t * mr) * lda + p0, lda, h, kc, mr, d);
            }
        }
    }

    /// <summary>dst[q * width + r] = src[q * ld + r] for r &lt; count, zero for count &lt;= r &lt; width.</summary>
    private static void PackRows(float* src, int ld, int count, int kc, int width, float* dst)
    {
        for (int q = 0; q < kc; q++)
        {
            float* s = src + (long)q * ld;
            float* d = dst + q * width;
            int r = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; r + 8 <= count; r += 8) Vector256.Store(Vector256.Load(s + r), d + r);
            for (; r < count; r++) d[r] = s[r];
            for (; r < width; r++) d[r] = 0f;
        }
    }

    /// <summary>
    /// dst[q * width + r] = src[r * ld + q] for q &lt; kc, r &lt; count, zero for count &lt;= r &lt; width.
    /// Bands of 8 (then 4) rows are transposed in registers; q moves in steps of 16 (one cache line per source row)
    /// across all bands, because with ld a multiple of 1 KiB the rows share one L1 set and a wider sweep thrashes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposed(float* src, int ld, int count, int kc, int width, float* dst)
    {
        int q8 = Avx.IsSupported ? kc & ~7 : 0;
        int rows8 = count & ~7, rows4 = q8 > 0 ? count & ~3 : 0;
        if (q8 == 0) rows8 = 0;
        for (int q0 = 0; q0 < q8; q0 += 16)
        {
            int q1 = Math.Min(q8, q0 + 16);
            for (int r = 0; r < rows8; r += 8)
                for (int q = q0; q < q1; q += 8)
                    Transpose8x8(src + (long)r * ld + q, ld, dst + q * width + r, width);
            for (int r = rows8; r < rows4; r += 4)
                for (int q = q0; q < q1; q += 4)
                    Transpose4x4(src + (long)r * ld + q, ld, dst + q * width + r, width);
        }
        for (int q = 0; q < kc; q++)
        {
            float* d = dst + q * width;
            for (int r = q < q8 ? rows4 : 0; r < count; r++) d[r] = src[(long)r * ld + q];
            for (int r = count; r < width; r++) d[r] = 0f;
        }
    }

    /// <summary>d[j * ldd + i] = s[i * lds + j] for i, j &lt; 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(float* s, int lds, float* d, int ldd)
    {
        var r0 = Sse.LoadVector128(s);
        var r1 = Sse.LoadVector128(s + lds);
        var r2 = Sse.LoadVector128(s + 2L * lds);
        var r3 = Sse.LoadVector128(s + 3L * lds);
        var t0 = Sse.UnpackLow(r0, r1);
        var t1 = Sse.UnpackHigh(r0, r1);
        var t2 = Sse.UnpackLow(r2, r3);
        var t3 = Sse.UnpackHigh(r2, r3);
        Sse.Store(d, Sse.MoveLowToHigh(t0, t2));
        Sse.Store(d + ldd, Sse.MoveHighToLow(t2, t0));
        Sse.Store(d + 2 * ldd, Sse.MoveLowToHigh(t1, t3));
        Sse.Store(d + 3 * ldd, Sse.MoveHighToLow(t3, t1));
    }

    /// <summary>d[j * ldd + i] = s[i * lds + j] for i, j &lt; 8 (unpack, shuffle, lane permute).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s, int lds, float* d, int ldd)
    {
        var r0 = Avx.LoadVector256(s);
        var r1 = Avx.LoadVector256(s + lds);
        var r2 = Avx.LoadVector256(s + 2L * lds);
        var r3 = Avx.LoadVector256(s + 3L * lds);
        var r4 = Avx.LoadVector256(s + 4L * lds);
        var r5 = Avx.LoadVector256(s + 5L * lds);
        var r6 = Avx.LoadVector256(s + 6L * lds);
        var r7 = Avx.LoadVector256(s + 7L * lds);
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3 * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5 * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7 * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }
}
