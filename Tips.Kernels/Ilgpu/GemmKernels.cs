using ILGPU;

namespace Tips.Kernels;

/// <summary>
/// Batched strided GEMM, C = act(alpha op(A) op(B) + beta C + bias), as a shared-memory tiled kernel.
/// A group of gx * gy threads computes a (8 gy) x (8 gx) tile of C; each thread an 8 x 8 register block
/// whose rows are ty + r gy and columns tx + c gx (strided, so a warp reads consecutive shared addresses of
/// B and writes consecutive columns of C). Tiles of op(A) and op(B), tileK deep, are staged in dynamic
/// shared memory k-major: As[kk, i], Bs[kk, j]. Loads follow the stored layout so consecutive threads read
/// consecutive addresses whether or not the operand is transposed.
/// Versions: v1 4 x 4 register block (2 FMA per shared load); v2 (this) 8 x 8 block in Vec8 structs
/// (4 FMA per shared load), single-buffered tiles. ILGPU 1.5.3 does not unroll loops: the 8-wide
/// operations are written out. Next on CUDA: double-buffered tiles with cp.async, 128-bit shared loads.
/// </summary>
internal static class GemmKernels
{
    /// <summary>Eight accumulators or operands; a struct (not an array) so they stay in registers.</summary>
    private struct Vec8
    {
        public float V0, V1, V2, V3, V4, V5, V6, V7;
    }

    private static void Fma(ref Vec8 acc, float a, Vec8 b)
    {
        acc.V0 += a * b.V0;
        acc.V1 += a * b.V1;
        acc.V2 += a * b.V2;
        acc.V3 += a * b.V3;
        acc.V4 += a * b.V4;
        acc.V5 += a * b.V5;
        acc.V6 += a * b.V6;
        acc.V7 += a * b.V7;
    }

    public static void Gemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, GemmParams p)
    {
        int t = Group.IdxX;
        int threads = Group.DimX;
        int gx = p.GroupX, gy = threads / gx;
        int tx = t % gx, ty = t / gx;
        int bm = 8 * gy, bn = 8 * gx, bk = p.TileK;
        int tile = Grid.IdxX;
        int tn = tile % p.TilesN;
        int rest = tile / p.TilesN;
        int tm = rest % p.TilesM;
        long batch = rest / p.TilesM;
        int i0 = tm * bm, j0 = tn * bn;
        long aBase = batch * p.StrideA, bBase = batch * p.StrideB, cBase = batch * p.StrideC;

        var shared = SharedMemory.GetDynamic<float>();
        var As = shared.SubView(0, bk * bm);
        var Bs = shared.SubView(bk * bm, bk * bn);

        Vec8 c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;

        for (int k0 = 0; k0 < p.K; k0 += bk)
        {
            for (int idx = t; idx < bm * bk; idx += threads)
            {
                int i, kk;
                if (p.TransA != 0) { i = idx % bm; kk = idx / bm; }
                else { kk = idx % bk; i = idx / bk; }
                int gi = i0 + i, gk = k0 + kk;
                float v = 0f;
                if (gi < p.M && gk < p.K)
                    v = p.TransA != 0 ? a[aBase + (long)gk * p.Lda + gi] : a[aBase + (long)gi * p.Lda + gk];
                As[kk * bm + i] = v;
            }
            for (int idx = t; idx < bn * bk; idx += threads)
            {
                int j, kk;
                if (p.TransB != 0) { kk = idx % bk; j = idx / bk; }
                else { j = idx % bn; kk = idx / bn; }
                int gj = j0 + j, gk = k0 + kk;
                float v = 0f;
                if (gj < p.N && gk < p.K)
                    v = p.TransB != 0 ? b[bBase + (long)gj * p.Ldb + gk] : b[bBase + (long)gk * p.Ldb + gj];
                Bs[kk * bn + j] = v;
            }
            Group.Barrier();
            for (int kk = 0; kk < bk; kk++)
            {
                int ar = kk * bm + ty, br = kk * bn + tx;
                Vec8 av, bv;
                av.V0 = As[ar];
                av.V1 = As[ar + 1 * gy];
                av.V2 = As[ar + 2 * gy];
                av.V3 = As[ar + 3 * gy];
                av.V4 = As[ar + 4 * gy];
                av.V5 = As[ar + 5 * gy];
                av.V6 = As[ar + 6 * gy];
                av.V7 = As[ar + 7 * gy];
                bv.V0 = Bs[br];
                bv.V1 = Bs[br + 1 * p.GroupX];
                bv.V2 = Bs[br + 2 * p.GroupX];
                bv.V3 = Bs[br + 3 * p.GroupX];
                bv.V4 = Bs[br + 4 * p.GroupX];
                bv.V5 = Bs[br + 5 * p.GroupX];
                bv.V6 = Bs[br + 6 * p.GroupX];
                bv.V7 = Bs[br + 7 * p.GroupX];
                Fma(ref c0, av.V0, bv);
                Fma(ref c1, av.V1, bv);
                Fma(ref c2, av.V2, bv);
                Fma(ref c3, av.V3, bv);
                Fma(ref c4, av.V4, bv);
                Fma(ref c5, av.V5, bv);
                Fma(ref c6, av.V6, bv);
                Fma(ref c7, av.V7, bv);
            }
            Group.Barrier();
        }

        int row = i0 + ty, col = j0 + tx;
        StoreRow(c, bias, p, cBase, row, col, c0);
        StoreRow(c, bias, p, cBase, row + 1 * gy, col, c1);
        StoreRow(c, bias, p, cBase, row + 2 * gy, col, c2);
        StoreRow(c, bias, p, cBase, row + 3 * gy, col, c3);
        StoreRow(c, bias, p, cBase, row + 4 * gy, col, c4);
        StoreRow(c, bias, p, cBase, row + 5 * gy, col, c5);
        StoreRow(c, bias, p, cBase, row + 6 * gy, col, c6);
        StoreRow(c, bias, p, cBase, row + 7 * gy, col, c7);
    }

    private static void StoreRow(ArrayView<float> c, ArrayView<float> bias, GemmParams p, long cBase, int i, int j, Vec8 v)
    {
        if (i >= p.M) return;
        long at = cBase + (long)i * p.Ldc;
        Store(c, bias, p, at, j, v.V0);
        Store(c, bias, p, at, j + 1 * p.GroupX, v.V1);
        Store(c, bias, p, at, j + 2 * p.GroupX, v.V2);
        Store(c, bias, p, at, j + 3 * p.GroupX, v.V3);
        Store(c, bias, p, at, j + 4 * p.GroupX, v.V4);
        Store(c, bias, p, at, j + 5 * p.GroupX, v.V5);
        Store(c, bias, p, at, j + 6 * p.GroupX, v.V6);
        Store(c, bias, p, at, j + 7 * p.GroupX, v.V7);
    }

    private static void Store(ArrayView<float> c, ArrayView<float> bias, GemmParams p, long rowAt, int j, float acc)
    {
        if (j >= p.N) return;
        float v = p.Alpha * acc;
        // beta == 0 must not read C: it may hold NaN.
        if (p.Beta != 0f) v += p.Beta * c[rowAt + j];
        if (p.HasBias != 0) v += bias[j];
        c[rowAt + j] = ActivationMath.Forward((Activation)p.Activation, v);
    }
}

internal struct GemmParams
{
    public int M, N, K, Lda, Ldb, Ldc, TransA, TransB, HasBias, Activation;
    public long StrideA, StrideB, StrideC;
    public float Alpha, Beta;
    public int GroupX, TileK, TilesM, TilesN;
}
