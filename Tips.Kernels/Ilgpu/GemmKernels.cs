using ILGPU;

namespace Tips.Kernels;

/// <summary>
/// Batched strided GEMM, C = act(alpha op(A) op(B) + beta C + bias), as a shared-memory tiled kernel.
/// A group of gx * gy threads computes a (4 gy) x (4 gx) tile of C; each thread a 4 x 4 register block
/// whose rows are ty + r gy and columns tx + c gx (strided, so a warp reads consecutive shared addresses of
/// B and writes consecutive columns of C). Tiles of op(A) and op(B), tileK deep, are staged in dynamic
/// shared memory k-major: As[kk, i], Bs[kk, j]. Loads follow the stored layout so consecutive threads read
/// consecutive addresses whether or not the operand is transposed.
/// Versions: v1 (this) 4 x 4 register block, single-buffered tiles, k loop not unrolled (ILGPU 1.5.3 does
/// not unroll; a hand-unrolled, double-buffered v2 is the next step on CUDA).
/// </summary>
internal static class GemmKernels
{
    public static void Gemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, GemmParams p)
    {
        int t = Group.IdxX;
        int threads = Group.DimX;
        int tx = t % p.GroupX, ty = t / p.GroupX;
        int bm = 4 * (threads / p.GroupX), bn = 4 * p.GroupX, bk = p.TileK;
        int tile = Grid.IdxX;
        int tn = tile % p.TilesN;
        int rest = tile / p.TilesN;
        int tm = rest % p.TilesM;
        long batch = rest / p.TilesM;
        int gy = threads / p.GroupX;
        int i0 = tm * bm, j0 = tn * bn;
        long aBase = batch * p.StrideA, bBase = batch * p.StrideB, cBase = batch * p.StrideC;

        var shared = SharedMemory.GetDynamic<float>();
        var As = shared.SubView(0, bk * bm);
        var Bs = shared.SubView(bk * bm, bk * bn);

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;

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
                float a0 = As[ar], a1 = As[ar + gy], a2 = As[ar + 2 * gy], a3 = As[ar + 3 * gy];
                float b0 = Bs[br], b1 = Bs[br + p.GroupX], b2 = Bs[br + 2 * p.GroupX], b3 = Bs[br + 3 * p.GroupX];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }

        int row = i0 + ty, col = j0 + tx;
        StoreRow(c, bias, p, cBase, row, col, c00, c01, c02, c03);
        StoreRow(c, bias, p, cBase, row + gy, col, c10, c11, c12, c13);
        StoreRow(c, bias, p, cBase, row + 2 * gy, col, c20, c21, c22, c23);
        StoreRow(c, bias, p, cBase, row + 3 * gy, col, c30, c31, c32, c33);
    }

    private static void StoreRow(ArrayView<float> c, ArrayView<float> bias, GemmParams p, long cBase, int i, int j,
        float v0, float v1, float v2, float v3)
    {
        if (i >= p.M) return;
        long at = cBase + (long)i * p.Ldc;
        Store(c, bias, p, at, j, v0);
        Store(c, bias, p, at, j + p.GroupX, v1);
        Store(c, bias, p, at, j + 2 * p.GroupX, v2);
        Store(c, bias, p, at, j + 3 * p.GroupX, v3);
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
