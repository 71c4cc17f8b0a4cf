using System.Runtime.Intrinsics;

namespace Tips.Kernels;

/// <summary>
/// Packed, cache-blocked GEMM for one batch entry (GotoBLAS/BLIS loop order).
/// B (k x n) is packed chunk by chunk into NR-wide slivers (kc x NR each, kc &lt;= Kc), shared by all threads;
/// each thread packs Mc x kc blocks of its rows of A into MR-tall slivers and runs the MR x NR micro-kernel
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
        if (_packB.Length < chunkSlivers * _nr * chunkK)
            _packB = GC.AllocateUninitializedArray<float>(chunkSlivers * _nr * chunkK, pinned: true);

        fixed (float* packB = _packB)
        {
            _packBPtr = packB;
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

    /// <summary>Largest share over the mean share when <paramref name="units"/> are split over the threads.</summary>
    private static double Imbalance(int units, int threads) => Math.Ceiling((double)units / threads) * threads / units;

    private static (int Begin, int End) Share(int units, int parts, int part) =>
        ((int)((long)units * part / parts), (int)((long)units * (part + 1) / parts));

    /// <summary>Packs this thread's share of the current chunk's slivers, Kc block by Kc block.</summary>
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
        for (int jj = 0; jj < cols; jj++)
        {
            float* src = _b + (long)(j0 + jj) * ldb + p0;
            for (int q = 0; q < kc; q++) dst[q * nr + jj] = src[q];
        }
        for (int jj = cols; jj < nr; jj++)
            for (int q = 0; q < kc; q++) dst[q * nr + jj] = 0f;
    }

    /// <summary>This thread's rectangle of C (rows or slivers of the chunk) over every Kc block of the chunk.</summary>
    private void Compute(int part)
    {
        int mr = _mr, nr = _nr, m = _p.M, n = _p.N, ldc = _p.Ldc;
        int mTiles = (m + mr - 1) / mr;
        var (t0, t1) = _splitRows ? Share(mTiles, _threads, part) : (0, mTiles);
        var (s0, s1) = _splitRows ? (0, _slivers) : Share(_slivers, _threads, part);
        int r0 = t0 * mr, r1 = Math.Min(m, t1 * mr), mc = McSlivers * mr, width = _slivers * nr;
        if (t_packA is null || t_packA.Length < mc * Kc)
            t_packA = GC.AllocateUninitializedArray<float>(mc * Kc, pinned: true);
        float* tile = stackalloc float[8 * 32];
        bool epilogue = _bias != null || _p.Activation != Activation.None;

        fixed (float* packA = t_packA)
        {
            for (int kk = 0; kk < _kLen; kk += Kc)
            {
                int kc = Math.Min(Kc, _kLen - kk), p0 = _k0 + kk;
                float beta = p0 == 0 ? _p.Beta : 1f;
                bool last = p0 + kc == _p.K;
                for (int i0 = r0; i0 < r1; i0 += mc)
                {
                    int rows = Math.Min(mc, r1 - i0);
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
            for (int r = 0; r < h; r++)
            {
                float* src = _a + (long)(i0 + t + r) * lda + p0;
                for (int q = 0; q < kc; q++) dst[q * mr + r] = src[q];
            }
            for (int r = h; r < mr; r++)
                for (int q = 0; q < kc; q++) dst[q * mr + r] = 0f;
        }
    }
}
