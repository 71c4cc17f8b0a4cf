using ILGPU;
using ILGPU.Algorithms;

namespace Tips.Kernels;

/// <summary>
/// FlashAttention-style fused attention. Legend: B batch, N tokens, H heads, Dh head dim; qkv (B, N, 3, H, Dh),
/// out (B, N, H * Dh), lse and delta (B, H, N). One group per (b, h, block of BQ queries) walks the keys in
/// blocks of BK with an online softmax; scores exist only per tile in shared memory (BQ x BK), never N x N.
/// The backward is two passes without atomics: dK/dV per key block (looping over query blocks), then dQ per
/// query block (looping over key blocks); both recompute P = exp(scale q k - lse) per tile.
/// Shared-memory tiles are laid out row-major (token, d); every loop over a tile is strided by the group size.
/// </summary>
internal static class AttentionKernels
{
    private static bool KeyValid(ArrayView<float> mask, AttentionParams p, int b, int key) =>
        key < p.N && (p.HasMask == 0 || mask[(long)b * p.N + key] != 0f);

    /// <summary>
    /// Loads rows [t0, t0 + rows) of part (0 q, 1 k, 2 v) of head h into a (rows, ld) tile, zero past N.
    /// K and V tiles use ld = Dh + 1: score loops give consecutive threads consecutive keys, and an odd row
    /// stride puts their reads in different shared-memory banks (Dh = 64 would be a 32-way conflict).
    /// </summary>
    private static void LoadTile(ArrayView<float> qkv, ArrayView<float> tile, int ld, AttentionParams p, int b, int h, int part, int t0, int rows)
    {
        long rowStride = 3L * p.H * p.Dh;
        long baseAt = (long)b * p.N * rowStride + (long)part * p.H * p.Dh + (long)h * p.Dh;
        for (int idx = Group.IdxX; idx < rows * p.Dh; idx += Group.DimX)
        {
            int r = idx / p.Dh, d = idx % p.Dh;
            tile[r * ld + d] = t0 + r < p.N ? qkv[baseAt + (t0 + r) * rowStride + d] : 0f;
        }
    }

    /// <summary>Loads rows of a (B, N, H * Dh) tensor (out or dout) for head h.</summary>
    private static void LoadOutTile(ArrayView<float> x, ArrayView<float> tile, AttentionParams p, int b, int h, int t0, int rows)
    {
        long rowStride = (long)p.H * p.Dh;
        long baseAt = (long)b * p.N * rowStride + (long)h * p.Dh;
        for (int idx = Group.IdxX; idx < rows * p.Dh; idx += Group.DimX)
        {
            int r = idx / p.Dh, d = idx % p.Dh;
            tile[idx] = t0 + r < p.N ? x[baseAt + (t0 + r) * rowStride + d] : 0f;
        }
    }

    /// <summary>Row xRow of a (., Dh) tile dotted with row yRow of a (., ld) tile.</summary>
    private static float Dot(ArrayView<float> x, int xRow, ArrayView<float> y, int yRow, int dh, int ld)
    {
        float s = 0f;
        for (int d = 0; d < dh; d++) s += x[xRow * dh + d] * y[yRow * ld + d];
        return s;
    }

    public static void Forward(ArrayView<float> qkv, ArrayView<float> output, ArrayView<float> lse, ArrayView<float> mask,
        AttentionParams p)
    {
        int bq = p.BlockQ, bk = p.BlockK, dh = p.Dh, ld = dh + 1;
        int qb = Grid.IdxX % p.QueryBlocks;
        int bh = Grid.IdxX / p.QueryBlocks;
        int h = bh % p.H, b = bh / p.H;
        int q0 = qb * bq;

        var shared = SharedMemory.GetDynamic<float>();
        int at = 0;
        var qs = shared.SubView(at, bq * dh); at += bq * dh;
        var os = shared.SubView(at, bq * dh); at += bq * dh;
        var ks = shared.SubView(at, bk * ld); at += bk * ld;
        var vs = shared.SubView(at, bk * ld); at += bk * ld;
        var s = shared.SubView(at, bq * bk); at += bq * bk;
        var rowMax = shared.SubView(at, bq); at += bq;
        var rowSum = shared.SubView(at, bq); at += bq;
        var rowScale = shared.SubView(at, bq);

        LoadTile(qkv, qs, dh, p, b, h, 0, q0, bq);
        for (int idx = Group.IdxX; idx < bq * dh; idx += Group.DimX) os[idx] = 0f;
        for (int r = Group.IdxX; r < bq; r += Group.DimX)
        {
            rowMax[r] = float.NegativeInfinity;
            rowSum[r] = 0f;
        }

        for (int k0 = 0; k0 < p.N; k0 += bk)
        {
            LoadTile(qkv, ks, ld, p, b, h, 1, k0, bk);
            LoadTile(qkv, vs, ld, p, b, h, 2, k0, bk);
            Group.Barrier();
            for (int idx = Group.IdxX; idx < bq * bk; idx += Group.DimX)
            {
                int qi = idx / bk, kj = idx % bk;
                s[idx] = KeyValid(mask, p, b, k0 + kj) ? p.Scale * Dot(qs, qi, ks, kj, dh, ld) : float.NegativeInfinity;
            }
            Group.Barrier();
            // Online softmax: rescale the running sum and output by exp(m_old - m_new); masked scores give p = 0.
            for (int qi = Group.IdxX; qi < bq; qi += Group.DimX)
            {
                float mOld = rowMax[qi];
                float m = mOld;
                for (int kj = 0; kj < bk; kj++) m = XMath.Max(m, s[qi * bk + kj]);
                float scale = m == float.NegativeInfinity ? 1f : XMath.Exp(mOld - m);
                float sum = 0f;
                for (int kj = 0; kj < bk; kj++)
                {
                    float v = s[qi * bk + kj];
                    float e = v == float.NegativeInfinity ? 0f : XMath.Exp(v - m);
                    s[qi * bk + kj] = e;
                    sum += e;
                }
                rowMax[qi] = m;
                rowSum[qi] = rowSum[qi] * scale + sum;
                rowScale[qi] = scale;
            }
            Group.Barrier();
            for (int idx = Group.IdxX; idx < bq * dh; idx += Group.DimX)
            {
                int qi = idx / dh, d = idx % dh;
                float acc = os[idx] * rowScale[qi];
                for (int kj = 0; kj < bk; kj++) acc += s[qi * bk + kj] * vs[kj * ld + d];
                os[idx] = acc;
            }
            Group.Barrier();
        }

        long outStride = (long)p.H * dh;
        long outBase = (long)b * p.N * outStride + (long)h * dh;
        for (int idx = Group.IdxX; idx < bq * dh; idx += Group.DimX)
        {
            int qi = idx / dh, d = idx % dh;
            if (q0 + qi >= p.N) continue;
            float l = rowSum[qi];
            output[outBase + (q0 + qi) * outStride + d] = l > 0f ? os[idx] / l : 0f;
        }
        if (p.SaveLse == 0) return;
        for (int qi = Group.IdxX; qi < bq; qi += Group.DimX)
        {
            if (q0 + qi >= p.N) continue;
            float l = rowSum[qi];
            lse[(long)bh * p.N + q0 + qi] = l > 0f ? rowMax[qi] + XMath.Log(l) : float.NegativeInfinity;
        }
    }

    /// <summary>delta[b, h, n] = sum_d dout * out (the D_i of the softmax backward); one thread per (b, h, n).</summary>
    public static void Delta(Index1D i, ArrayView<float> output, ArrayView<float> dout, ArrayView<float> delta, AttentionParams p)
    {
        int n = i % p.N, bh = i / p.N;
        int h = bh % p.H, b = bh / p.H;
        long at = ((long)b * p.N + n) * p.H * p.Dh + (long)h * p.Dh;
        float s = 0f;
        for (int d = 0; d < p.Dh; d++) s += output[at + d] * dout[at + d];
        delta[i] = s;
    }

    /// <summary>P and dS = P (dP - D) of one (query block, key block) tile; zero for masked keys and padding.</summary>
    private static void ScoreGrads(ArrayView<float> qs, ArrayView<float> dos, ArrayView<float> ks, ArrayView<float> vs,
        ArrayView<float> ls, ArrayView<float> ds, ArrayView<float> pTile, ArrayView<float> dsTile,
        ArrayView<float> mask, AttentionParams p, int b, int q0, int k0)
    {
        int bq = p.BlockQ, bk = p.BlockK, dh = p.Dh, ld = dh + 1;
        for (int idx = Group.IdxX; idx < bq * bk; idx += Group.DimX)
        {
            int qi = idx / bk, kj = idx % bk;
            float l = ls[qi];
            float pv = 0f, dsv = 0f;
            if (q0 + qi < p.N && l != float.NegativeInfinity && KeyValid(mask, p, b, k0 + kj))
            {
                pv = XMath.Exp(p.Scale * Dot(qs, qi, ks, kj, dh, ld) - l);
                dsv = pv * (Dot(dos, qi, vs, kj, dh, ld) - ds[qi]);
            }
            pTile[idx] = pv;
            dsTile[idx] = dsv;
        }
    }

    private static void LoadRowStats(ArrayView<float> lse, ArrayView<float> delta, ArrayView<float> ls, ArrayView<float> ds,
        AttentionParams p, int bh, int q0)
    {
        for (int qi = Group.IdxX; qi < p.BlockQ; qi += Group.DimX)
        {
            bool inside = q0 + qi < p.N;
            ls[qi] = inside ? lse[(long)bh * p.N + q0 + qi] : float.NegativeInfinity;
            ds[qi] = inside ? delta[(long)bh * p.N + q0 + qi] : 0f;
        }
    }

    /// <summary>Adds a (rows, Dh) tile into part (0 q, 1 k, 2 v) of dqkv.</summary>
    private static void AddTile(ArrayView<float> dqkv, ArrayView<float> tile, AttentionParams p, int b, int h, int part, int t0, int rows)
    {
        long rowStride = 3L * p.H * p.Dh;
        long baseAt = (long)b * p.N * rowStride + (long)part * p.H * p.Dh + (long)h * p.Dh;
        for (int idx = Group.IdxX; idx < rows * p.Dh; idx += Group.DimX)
        {
            int r = idx / p.Dh, d = idx % p.Dh;
            if (t0 + r < p.N) dqkv[baseAt + (t0 + r) * rowStride + d] += tile[idx];
        }
    }

    /// <summary>One group per (b, h, key block): dV = sum P^T dO, dK = scale sum dS^T Q over all query blocks.</summary>
    public static void BackwardKeyValue(ArrayView<float> qkv, ArrayView<float> dout, ArrayView<float> lse,
        ArrayView<float> delta, ArrayView<float> dqkv, ArrayView<float> mask, AttentionParams p)
    {
        int bq = p.BlockQ, bk = p.BlockK, dh = p.Dh, ld = dh + 1;
        int kb = Grid.IdxX % p.KeyBlocks;
        int bh = Grid.IdxX / p.KeyBlocks;
        int h = bh % p.H, b = bh / p.H;
        int k0 = kb * bk;

        var shared = SharedMemory.GetDynamic<float>();
        int at = 0;
        var ks = shared.SubView(at, bk * ld); at += bk * ld;
        var vs = shared.SubView(at, bk * ld); at += bk * ld;
        var dks = shared.SubView(at, bk * dh); at += bk * dh;
        var dvs = shared.SubView(at, bk * dh); at += bk * dh;
        var qs = shared.SubView(at, bq * dh); at += bq * dh;
        var dos = shared.SubView(at, bq * dh); at += bq * dh;
        var pTile = shared.SubView(at, bq * bk); at += bq * bk;
        var dsTile = shared.SubView(at, bq * bk); at += bq * bk;
        var ls = shared.SubView(at, bq); at += bq;
        var ds = shared.SubView(at, bq);

        LoadTile(qkv, ks, ld, p, b, h, 1, k0, bk);
        LoadTile(qkv, vs, ld, p, b, h, 2, k0, bk);
        for (int idx = Group.IdxX; idx < bk * dh; idx += Group.DimX)
        {
            dks[idx] = 0f;
            dvs[idx] = 0f;
        }
        for (int q0 = 0; q0 < p.N; q0 += bq)
        {
            LoadTile(qkv, qs, dh, p, b, h, 0, q0, bq);
            LoadOutTile(dout, dos, p, b, h, q0, bq);
            LoadRowStats(lse, delta, ls, ds, p, bh, q0);
            Group.Barrier();
            ScoreGrads(qs, dos, ks, vs, ls, ds, pTile, dsTile, mask, p, b, q0, k0);
            Group.Barrier();
            for (int idx = Group.IdxX; idx < bk * dh; idx += Group.DimX)
            {
                int kj = idx / dh, d = idx % dh;
                float dv = 0f, dk = 0f;
                for (int qi = 0; qi < bq; qi++)
                {
                    dv += pTile[qi * bk + kj] * dos[qi * dh + d];
                    dk += dsTile[qi * bk + kj] * qs[qi * dh + d];
                }
                dvs[idx] += dv;
                dks[idx] += p.Scale * dk;
            }
            Group.Barrier();
        }
        AddTile(dqkv, dks, p, b, h, 1, k0, bk);
        AddTile(dqkv, dvs, p, b, h, 2, k0, bk);
    }

    /// <summary>One group per (b, h, query block): dQ = scale sum dS K over all key blocks.</summary>
    public static void BackwardQuery(ArrayView<float> qkv, ArrayView<float> dout, ArrayView<float> lse,
        ArrayView<float> delta, ArrayView<float> dqkv, ArrayView<float> mask, AttentionParams p)
    {
        int bq = p.BlockQ, bk = p.BlockK, dh = p.Dh, ld = dh + 1;
        int qb = Grid.IdxX % p.QueryBlocks;
        int bh = Grid.IdxX / p.QueryBlocks;
        int h = bh % p.H, b = bh / p.H;
        int q0 = qb * bq;

        var shared = SharedMemory.GetDynamic<float>();
        int at = 0;
        var qs = shared.SubView(at, bq * dh); at += bq * dh;
        var dos = shared.SubView(at, bq * dh); at += bq * dh;
        var dqs = shared.SubView(at, bq * dh); at += bq * dh;
        var ks = shared.SubView(at, bk * ld); at += bk * ld;
        var vs = shared.SubView(at, bk * ld); at += bk * ld;
        var pTile = shared.SubView(at, bq * bk); at += bq * bk;
        var dsTile = shared.SubView(at, bq * bk); at += bq * bk;
        var ls = shared.SubView(at, bq); at += bq;
        var ds = shared.SubView(at, bq);

        LoadTile(qkv, qs, dh, p, b, h, 0, q0, bq);
        LoadOutTile(dout, dos, p, b, h, q0, bq);
        LoadRowStats(lse, delta, ls, ds, p, bh, q0);
        for (int idx = Group.IdxX; idx < bq * dh; idx += Group.DimX) dqs[idx] = 0f;
        for (int k0 = 0; k0 < p.N; k0 += bk)
        {
            LoadTile(qkv, ks, ld, p, b, h, 1, k0, bk);
            LoadTile(qkv, vs, ld, p, b, h, 2, k0, bk);
            Group.Barrier();
            ScoreGrads(qs, dos, ks, vs, ls, ds, pTile, dsTile, mask, p, b, q0, k0);
            Group.Barrier();
            for (int idx = Group.IdxX; idx < bq * dh; idx += Group.DimX)
            {
                int qi = idx / dh, d = idx % dh;
                float dq = 0f;
                for (int kj = 0; kj < bk; kj++) dq += dsTile[qi * bk + kj] * ks[kj * ld + d];
                dqs[idx] += p.Scale * dq;
            }
            Group.Barrier();
        }
        AddTile(dqkv, dqs, p, b, h, 0, q0, bq);
    }
}

internal struct AttentionParams
{
    public int N, H, Dh, BlockQ, BlockK, QueryBlocks, KeyBlocks, HasMask, SaveLse;
    public float Scale;
}
