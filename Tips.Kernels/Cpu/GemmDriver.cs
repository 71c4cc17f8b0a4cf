using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tips.Kernels;

/// <summary>
/// Packed, cache-blocked GEMM for one batch entry (GotoBLAS/BLIS blocking).
/// Per chunk, all threads first pack B (k x n) into NR-wide slivers (kc x NR each) and A (m x k) into MR-tall
/// slivers (kc x MR each), both shared; then each thread takes work units - a block of tiles by a group of slivers -
/// from a shared counter (so a thread that the OS preempts does not hold back the others) and, for each kc block,
/// runs every tile of its block against the group: the A sliver (MR x kc) stays in L1 while the group's kc x nc
/// block of B streams from L2. With few rows (up to <see cref="PrivateBTiles"/> tiles) a unit spans all rows and packs
/// its group of B itself, just before use. Transposes are absorbed by the packing, so NN/NT/TN/TT run the same
/// micro-kernel. B may instead come prepacked whole (<see cref="PackPanels"/>, the weight panel cache).
/// Versions (TIPS shapes, GFLOP/s per CPU-second of one thread under heavy shared load; see CpuBackend.Gemm.cs):
/// 8x32 tiles, Kc 256, tiles innermost so each B sliver sat in L1 while A came from L2, rows split statically: 50-83;
/// 12x32 tiles (two k steps per pass), kc ~384, slivers innermost, units from a counter: 1.14-1.48x that, 0.90-1.05x
/// OpenBLAS in the same runs.
/// </summary>
internal sealed unsafe class GemmDriver
{
    // A sliver MR x kc (12 x 384 x 4 = 18 KiB) fits the 32 KiB L1 beside the B lines streaming through it.
    private const int KcTarget = 384;
    // kc x nc block of packed B that a tile block streams from L2 (1 MiB per core): 384 x 256 floats = 384 KiB,
    // well under the L2 so that the A slivers and C tiles passing through do not evict it.
    private const int BlockFloats = 384 * 256;
    // Tiles per work unit: each unit streams its B group from L3 once per kc block for this many tiles.
    private const int PackTiles = 16;
    // Up to this many tiles (384 rows: batch-1 and text shapes) every unit covers all rows and packs its own group of
    // B right before use, so the packed B is read from L2 instead of being written out whole and read back.
    private const int PrivateBTiles = 32;
    // Packed B, and packed A, per chunk (16 MiB each): TIPS shapes (k x n <= 3072 x 3072) pack B in one chunk.
    private const int ChunkFloats = 1 << 22;

    [ThreadStatic] private static GemmDriver? t_driver;
    [ThreadStatic] private static float[]? t_packB;

    private readonly Action<int> _packBody;
    private readonly Action<int> _computeBody;
    private float[] _packB = [], _packA = [];

    private GemmProblem _p;
    private float* _a, _b, _c, _bias, _packBPtr, _packAPtr;
    private bool _wide, _packingB, _privateB, _prepacked;
    private int _mr, _nr, _kc, _threads;
    private int _sliver0, _slivers, _k0, _kLen, _tile0, _tiles, _unitTiles, _groupSlivers, _groups, _units, _nextUnit;

    private GemmDriver()
    {
        _packBody = Pack;
        _computeBody = Compute;
    }

    public static GemmDriver ForThread() => t_driver ??= new GemmDriver();

    /// <summary>
    /// Whether <see cref="Run"/> packs B whole for all of its tiles (more than <see cref="PrivateBTiles"/>) rather
    /// than each unit packing its group into L2 just before use: only then do cached panels save time (in one
    /// process, CPU per forward: B/14 448 px and text batch 8 -8 to -11%, B/14 224 px batch 1 unchanged).
    /// </summary>
    public static bool PacksBWhole(int m, bool wide) => (m + (wide ? 12 : 6) - 1) / (wide ? 12 : 6) > PrivateBTiles;

    /// <summary>Floats of B packed whole by <see cref="PackPanels"/> (without the alignment slack).</summary>
    public static long PanelFloats(in GemmProblem p, bool wide)
    {
        int nr = wide ? 32 : 16;
        return (long)(p.N + nr - 1) / nr * nr * p.K;
    }

    /// <summary>
    /// Packs all of op(B) into <paramref name="panels"/> (<see cref="PanelFloats"/>, 64-byte aligned) in the order
    /// <see cref="Run"/> reads it chunk by chunk: the chunk of slivers [s0, s1) by depth [k0, k1) at s0 * NR * K +
    /// k0 * (s1 - s0) * NR, laid out inside as Run packs a chunk. Valid for every M: the layout depends on N and K.
    /// </summary>
    public void PackPanels(in GemmProblem p, float* b, float* panels, bool wide, int threads)
    {
        var (totalSlivers, _, chunkK, chunkSlivers, _) = Setup(p, null, b, null, null, wide, threads);
        _tiles = 0;
        _packingB = true;
        for (_sliver0 = 0; _sliver0 < totalSlivers; _sliver0 += chunkSlivers)
        {
            _slivers = Math.Min(chunkSlivers, totalSlivers - _sliver0);
            for (_k0 = 0; _k0 < p.K; _k0 += chunkK)
            {
                _kLen = Math.Min(chunkK, p.K - _k0);
                _packBPtr = PanelChunk(panels);
                if (threads == 1) Pack(0);
                else Parallel.For(0, threads, _packBody);
            }
        }
        _b = _packBPtr = null;
    }

    private float* PanelChunk(float* panels) => panels + (long)_sliver0 * _nr * _p.K + (long)_k0 * _slivers * _nr;

    private (int TotalSlivers, int TotalTiles, int ChunkK, int ChunkSlivers, int ChunkTiles) Setup(
        in GemmProblem p, float* a, float* b, float* c, float* bias, bool wide, int threads)
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
        _groupSlivers = Math.Max(1, BlockFloats / (_kc * _nr));
        int totalSlivers = (p.N + _nr - 1) / _nr, totalTiles = (p.M + _mr - 1) / _mr;
        int chunkK = Math.Min(p.K, Math.Max(_kc, ChunkFloats / (totalSlivers * _nr) / _kc * _kc));
        int chunkSlivers = Math.Min(totalSlivers, Math.Max(1, ChunkFloats / (chunkK * _nr)));
        int chunkTiles = Math.Min(totalTiles, Math.Max(1, ChunkFloats / (chunkK * _mr)));
        return (totalSlivers, totalTiles, chunkK, chunkSlivers, chunkTiles);
    }

    /// <summary>
    /// C = act(alpha op(A) op(B) + beta C + bias) with <paramref name="threads"/> workers; k &gt; 0. B comes from
    /// <paramref name="panels"/> when not null (<see cref="PackPanels"/> of the same op(B)), else it is packed here.
    /// </summary>
    public void Run(in GemmProblem p, float* a, float* b, float* c, float* bias, bool wide, int threads, float* panels = null)
    {
        var (totalSlivers, totalTiles, chunkK, chunkSlivers, chunkTiles) = Setup(p, a, b, c, bias, wide, threads);
        _privateB = totalTiles <= PrivateBTiles;
        _prepacked = panels != null;
        if (!_privateB && !_prepacked) Reserve(ref _packB, (long)chunkSlivers * _nr * chunkK);
        Reserve(ref _packA, (long)chunkTiles * _mr * chunkK);

        fixed (float* packB = _packB, packA = _packA)
        {
            _packAPtr = Align(packA);
            for (_sliver0 = 0; _sliver0 < totalSlivers; _sliver0 += chunkSlivers)
            {
                _slivers = Math.Min(chunkSlivers, totalSlivers - _sliver0);
                // With one tile block, the groups are the only units: at least 4 per thread keeps the cores even.
                if (_privateB) _groupSlivers = Math.Clamp(_slivers / (4 * threads), 1, Math.Max(1, BlockFloats / (_kc * _nr)));
                _groups = (_slivers + _groupSlivers - 1) / _groupSlivers;
                for (_k0 = 0; _k0 < p.K; _k0 += chunkK)
                {
                    _kLen = Math.Min(chunkK, p.K - _k0);
                    _packBPtr = _prepacked ? PanelChunk(panels) : Align(packB);
                    for (_tile0 = 0; _tile0 < totalTiles; _tile0 += chunkTiles)
                    {
                        _tiles = Math.Min(chunkTiles, totalTiles - _tile0);
                        _packingB = _tile0 == 0 && !_privateB && !_prepacked;
                        _unitTiles = _privateB ? _tiles : PackTiles;
                        _units = (_tiles + _unitTiles - 1) / _unitTiles * _groups;
                        _nextUnit = 0;
                        if (threads == 1)
                        {
                            Pack(0);
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
        }
        _a = _b = _c = _bias = _packBPtr = _packAPtr = null;
    }

    // Packed panels start on a cache line, so that no 64-byte load of a B sliver splits two lines.
    internal const int AlignFloats = 16;

    internal static float* Align(float* p) => (float*)(((nint)p + 63) & ~(nint)63);

    private static void Reserve([NotNull] ref float[]? buffer, long floats)
    {
        if (buffer is null || buffer.Length < floats + AlignFloats)
            buffer = GC.AllocateUninitializedArray<float>((int)(floats + AlignFloats), pinned: true);
    }

    private static (int Begin, int End) Share(int units, int parts, int part) =>
        ((int)((long)units * part / parts), (int)((long)units * (part + 1) / parts));

    /// <summary>
    /// Packs this thread's share of the chunk: B slivers (when the chunk's B is new) and A tiles, kc block by kc
    /// block. Packed B block kk holds its slivers (kc x NR each) one after another from kk * slivers * NR; packed A
    /// block kk its tiles (kc x MR each) from kk * tiles * MR.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Pack(int part)
    {
        var (s0, s1) = _packingB ? Share(_slivers, _threads, part) : (0, 0);
        var (t0, t1) = Share(_tiles, _threads, part);
        int nr = _nr, mr = _mr, lda = _p.Lda;
        for (int kk = 0; kk < _kLen; kk += _kc)
        {
            int kc = Math.Min(_kc, _kLen - kk), p0 = _k0 + kk;
            for (int s = s0; s < s1; s++)
            {
                int j = (_sliver0 + s) * nr;
                PackBSliver(p0, kc, j, Math.Min(nr, _p.N - j), _packBPtr + (long)kk * _slivers * nr + (long)s * kc * nr);
            }
            for (int t = t0; t < t1; t++)
            {
                int i = (_tile0 + t) * mr, h = Math.Min(mr, _p.M - i);
                float* d = _packAPtr + (long)kk * _tiles * mr + (long)t * kc * mr;
                if (_p.TransA) PackRows(_a + (long)p0 * lda + i, lda, h, kc, mr, d);
                else PackTransposed(_a + (long)i * lda + p0, lda, h, kc, mr, d);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackBSliver(int p0, int kc, int j0, int cols, float* dst)
    {
        int nr = _nr, ldb = _p.Ldb;
        if (_p.TransB) PackTransposed(_b + (long)j0 * ldb + p0, ldb, cols, kc, nr, dst);
        else PackRows(_b + (long)p0 * ldb + j0, ldb, cols, kc, nr, dst);
    }

    /// <summary>Work units (a block of tiles by a group of slivers) until none are left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compute(int part)
    {
        int mr = _mr, nr = _nr, n = _p.N, ldc = _p.Ldc;
        float* tile = stackalloc float[12 * 32];
        bool epilogue = _bias != null || _p.Activation != Activation.None;
        if (_privateB && !_prepacked) Reserve(ref t_packB, (long)_groupSlivers * nr * _kc);
        fixed (float* privateB = t_packB)
        for (int u = Interlocked.Increment(ref _nextUnit) - 1; u < _units; u = Interlocked.Increment(ref _nextUnit) - 1)
        {
            int tb = u / _groups * _unitTiles, te = Math.Min(_tiles, tb + _unitTiles);
            int g0 = u % _groups * _groupSlivers, g1 = Math.Min(_slivers, g0 + _groupSlivers);
            for (int kk = 0; kk < _kLen; kk += _kc)
            {
                int kc = Math.Min(_kc, _kLen - kk), p0 = _k0 + kk;
                float beta = p0 == 0 ? _p.Beta : 1f;
                bool last = p0 + kc == _p.K;
                float* groupB = _packBPtr + (long)kk * _slivers * nr + (long)g0 * kc * nr;
                if (_privateB && !_prepacked)
                {
                    groupB = Align(privateB);
                    for (int s = g0; s < g1; s++)
                    {
                        int j = (_sliver0 + s) * nr;
                        PackBSliver(p0, kc, j, Math.Min(nr, n - j), groupB + (long)(s - g0) * kc * nr);
                    }
                }
                for (int t = tb; t < te; t++)
                {
                    int i = (_tile0 + t) * mr, tileRows = Math.Min(mr, _p.M - i);
                    float* ap = _packAPtr + (long)kk * _tiles * mr + (long)t * kc * mr;
                    for (int s = g0; s < g1; s++)
                    {
                        float* bp = groupB + (long)(s - g0) * kc * nr;
                        int j = (_sliver0 + s) * nr, cols = Math.Min(nr, n - j);
                        float* cp = _c + (long)i * ldc + j;
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
                    }
                    if (last && epilogue)
                    {
                        // Over the group's whole width at once (up to 256 columns per row, still in L1/L2): one call
                        // per row instead of one per 32-column tile row, whose call and set-up cost rivalled the GELU.
                        int j0 = (_sliver0 + g0) * nr, width = Math.Min(n, (_sliver0 + g1) * nr) - j0;
                        for (int r = 0; r < tileRows; r++)
                            GemmEpilogue.Apply(_c + (long)(i + r) * ldc + j0, width, _bias == null ? null : _bias + j0, _p.Activation);
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

    /// <summary>dst[q * width + r] = src[q * ld + r] for r &lt; count, zero for count &lt;= r &lt; width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRows(float* src, int ld, int count, int kc, int width, float* dst)
    {
        for (int q = 0; q < kc; q++)
        {
            float* s = src + (long)q * ld;
            float* d = dst + q * width;
            int r = 0;
            if (Avx512F.IsSupported)
                for (; r + 16 <= count; r += 16) Vector512.Store(Vector512.Load(s + r), d + r);
            if (Vector256.IsHardwareAccelerated)
                for (; r + 8 <= count; r += 8) Vector256.Store(Vector256.Load(s + r), d + r);
            if (Vector128.IsHardwareAccelerated)
                for (; r + 4 <= count; r += 4) Vector128.Store(Vector128.Load(s + r), d + r);
            for (; r < count; r++) d[r] = s[r];
            for (; r < width; r++) d[r] = 0f;
        }
    }

    /// <summary>
    /// dst[q * width + r] = src[r * ld + q] for q &lt; kc, r &lt; count, zero for count &lt;= r &lt; width.
    /// Bands of 8 (then 4) rows are transposed in registers, each band over the whole depth: 8 sequential source
    /// streams that the prefetchers follow (sweeping 16 columns of all rows at a time was no faster, and 6-12% slower
    /// for ld 1024 and 3072, per CPU-second in one process).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposed(float* src, int ld, int count, int kc, int width, float* dst)
    {
        int q8 = Avx.IsSupported ? kc & ~7 : 0;
        int rows8 = count & ~7, rows4 = q8 > 0 ? count & ~3 : 0;
        if (q8 == 0) rows8 = 0;
        for (int r = 0; r < rows8; r += 8)
            for (int q = 0; q < q8; q += 8)
                Transpose8x8.Strided(src + (long)r * ld + q, ld, dst + q * width + r, width);
        for (int r = rows8; r < rows4; r += 4)
            for (int q = 0; q < q8; q += 4)
                Transpose4x4(src + (long)r * ld + q, ld, dst + q * width + r, width);
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
}
