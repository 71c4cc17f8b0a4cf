using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tips.Kernels;

/// <summary>
/// Packed, cache-blocked GEMM for one batch entry (GotoBLAS/BLIS loop order).
/// B (k x n) is packed chunk by chunk into NR-wide slivers (kc x NR each, kc &lt;= Kc), shared by all threads;
/// each thread takes Mc-row blocks of its rows, packs A for each Kc block into MR-tall slivers and runs the MR x NR micro-kernel
/// over them. Transposes are absorbed by the packing. The B sliver (Kc x NR) stays in L1, the A block in L2,
/// the B chunk (at most <see cref="ChunkFloats"/>) in L3. One driver per calling thread keeps its buffers.
/// </summary>
internal sealed unsafe class GemmDriver
{
    private const int Kc = 256;
    private const int McSlivers = 16;
    private const int ChunkFloats = 1 << 21;

    [ThreadStatic] private static GemmDriver? t_driver;
    [ThreadStatic] private static float[]? t_packA;

    private readonly Action<int> _packBody;
    private readonly Action<int> _computeBody;
    private float[] _packB = [];

    private GemmProblem _p;
    private float* _a, _b, _c, _bias, _packBPtr;
    private bool _wide;
    private int _mr, _nr, _threads;
    private int _sliver0, _slivers, _k0, _kLen;
    private bool _splitRows;

    private GemmDriver()
    {
        _packBody = PackB;
        _computeBody = Compute;
    }

    public static GemmDriver ForThread() => t_driver ??= new GemmDriver();

    /// <summary>C = act(alpha op(A) op(B) + beta C + bias) with <paramref name="threads"/> workers.</summary>
    public void Run(in GemmProblem p, float* a, float* b, float* c, float* bias, bool wide, int threads)
    {
        _p = p;
        _a = a;
        _b = b;
        _c = c;
        _bias = bias;
        _wide = wide;
        _mr = wide ? 8 : 6;
        _nr = wide ? 32 : 16;
        _threads = threads;
        int totalSlivers = (p.N + _nr - 1) / _nr;
        int chunkSlivers = Math.Min(totalSlivers, Math.Max(1, ChunkFloats / (2 * Kc * _nr)));
        int chunkK = Math.Min(p.K, Math.Max(Kc, ChunkFloats / (chunkSlivers * _nr) / Kc * Kc));
        if (_packB.Length < chunkSlivers * _nr * chunkK + AlignFloats)
            _packB = GC.AllocateUninitializedArray<float>(chunkSlivers * _nr * chunkK + AlignFloats, pinned: true);

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

    /// <summary>Packs this thread's share of the current chunk's slivers, Kc block by Kc block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackB(int part)
    {
        var (s0, s1) = Share(_slivers, _threads, part);
        int nr = _nr, width = _slivers * nr;
        for (int kk = 0; kk < _kLen; kk += Kc)
        {
            int kc = Math.Min(Kc, _kLen - kk);
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

    /// <summary>This thread's rectangle of C (rows or slivers of the chunk) over every Kc block of the chunk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compute(int part)
    {
        int mr = _mr, nr = _nr, m = _p.M, n = _p.N, ldc = _p.Ldc;
        int mTiles = (m + mr - 1) / mr;
        var (t0, t1) = _splitRows ? Share(mTiles, _threads, part) : (0, mTiles);
        var (s0, s1) = _splitRows ? (0, _slivers) : Share(_slivers, _threads, part);
        int r0 = t0 * mr, r1 = Math.Min(m, t1 * mr), mc = McSlivers * mr, width = _slivers * nr;
        if (t_packA is null || t_packA.Length < mc * Kc + AlignFloats)
            t_packA = GC.AllocateUninitializedArray<float>(mc * Kc + AlignFloats, pinned: true);
        float* tile = stackalloc float[8 * 32];
        bool epilogue = _bias != null || _p.Activation != Activation.None;

        fixed (float* packAUnaligned = t_packA)
        {
            float* packA = Align(packAUnaligned);
            // Row blocks outside the Kc blocks: the Mc x n block of C stays in cache over the whole chunk depth.
            for (int i0 = r0; i0 < r1; i0 += mc)
            {
                int rows = Math.Min(mc, r1 - i0);
                for (int kk = 0; kk < _kLen; kk += Kc)
                {
                    int kc = Math.Min(Kc, _kLen - kk), p0 = _k0 + kk;
                    float beta = p0 == 0 ? _p.Beta : 1f;
                    bool last = p0 + kc == _p.K;
                    PackA(i0, rows, p0, kc, packA);
                    for (int s = s0; s < s1; s++)
                    {
                        float* bp = _packBPtr + (long)kk * width + (long)s * kc * nr;
                        int j = (_sliver0 + s) * nr, cols = Math.Min(nr, n - j);
                        for (int ir = 0; ir < rows; ir += mr)
                        {
                            int tileRows = Math.Min(mr, rows - ir);
                            float* ap = packA + ir * kc;
                            float* cp = _c + (long)(i0 + ir) * ldc + j;
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

    private void Kernel(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        if (_wide) GemmMicroKernels.Kernel8x32(kc, a, b, c, ldc, alpha, beta);
        else GemmMicroKernels.Kernel6x16(kc, a, b, c, ldc, alpha, beta);
    }

    /// <summary>Rows [i0, i0 + rows) x k range [p0, p0 + kc) of op(A) into MR-tall slivers (kc x MR), zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackA(int i0, int rows, int p0, int kc, float* dst)
    {
        int mr = _mr, lda = _p.Lda;
        for (int t = 0; t < rows; t += mr, dst += kc * mr)
        {
            int h = Math.Min(mr, rows - t);
            if (_p.TransA)
            {
                for (int q = 0; q < kc; q++)
                {
                    float* src = _a + (long)(p0 + q) * lda + i0 + t;
                    float* d = dst + q * mr;
                    if (h == 8) Vector256.Store(Vector256.Load(src), d);
                    else
                    {
                        for (int r = 0; r < h; r++) d[r] = src[r];
                        for (int r = h; r < mr; r++) d[r] = 0f;
                    }
                }
                continue;
            }
            PackTransposed(_a + (long)(i0 + t) * lda + p0, lda, h, kc, mr, dst);
        }
    }

    /// <summary>
    /// dst[q * width + r] = src[r * ld + q] for q &lt; kc, r &lt; count, zero for count &lt;= r &lt; width.
    /// 8 x 8 blocks are transposed in registers; q moves in steps of 16 (one cache line per source row) inside
    /// each 8-row band, because with ld a multiple of 1 KiB the rows share one L1 set and a wider sweep thrashes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposed(float* src, int ld, int count, int kc, int width, float* dst)
    {
        int q8 = 0;
        if (count == width && width % 8 == 0 && Avx.IsSupported)
        {
            q8 = kc & ~7;
            for (int q0 = 0; q0 < q8; q0 += 16)
            {
                int q1 = Math.Min(q8, q0 + 16);
                for (int r = 0; r < width; r += 8)
                    for (int q = q0; q < q1; q += 8)
                        Transpose8x8(src + (long)r * ld + q, ld, dst + q * width + r, width);
            }
        }
        for (int q = q8; q < kc; q++)
        {
            float* d = dst + q * width;
            for (int r = 0; r < count; r++) d[r] = src[(long)r * ld + q];
            for (int r = count; r < width; r++) d[r] = 0f;
        }
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
