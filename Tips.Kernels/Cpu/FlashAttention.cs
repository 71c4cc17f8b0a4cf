using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tips.Kernels;

/// <summary>
/// Tiled attention for one (batch, head) on the GEMM micro-kernels (FlashAttention-2 order): query blocks of
/// <see cref="Br"/> rows against key blocks of <see cref="Bc"/> keys, online softmax, no N x N matrix.
/// Masked keys are dropped when the head is packed, so padding costs nothing and no -inf enters the tiles.
/// Legend: N tokens, Nv valid keys, Dh head dim, Dp = Dh rounded up to the micro-kernel width NR.
/// Operand layouts for the MR x NR micro-kernel (C = alpha A B + beta C over kc):
/// "column panels" [kc][MR] for A, "row panels" [kc][NR] for B.
/// Versions (B=1, N=1026, H=12, Dh=64, 2 shared cores, 6x16 AVX2 tiles, best of several runs under heavy load):
/// a per-query loop of dot products and axpys ran 8.2x the time of its two GEMMs (QK^T, PV through Gemm);
/// this tiled version 0.9-1.1x against the first packed Gemm, 1.3-1.6x against the later aligned Gemm (forward;
/// the exp of each score tile is roughly a third of the work), and 1.1-1.9x its five GEMM-sized products (backward).
/// With the AVX-512 exp and P V reading the probability tiles in place (no transpose into panels): 1.15-1.4x
/// against its GEMMs by CPU time per op, where the previous build measured 1.6-1.8x in the same runs (heavy load).
/// A perf profile (B=8, N=258, H=6) then put the scalar packs at ~45% of attention time (PackTileColumns 13%,
/// PackQueries 9%, PackTransposed 9%, PackRows 4%, the dS loop 6%) against 28% in the micro-kernels; with 8 x 8
/// register transposes, vector row copies and a vector dS the backward took 40-64 ms of CPU where the old one took
/// 61-110 ms in the same interleaved runs (forward 19-33 ms against 22-34 ms; load 15-33 on 2 cores).
/// </summary>
internal sealed unsafe class FlashAttention
{
    public const int Bc = 128;

    private readonly bool _wide;

    public FlashAttention(bool wide, int headDim)
    {
        _wide = wide;
        Mr = wide ? 8 : 6;
        Nr = wide ? 32 : 16;
        Br = 8 * Mr;
        Dh = headDim;
        Dp = (headDim + Nr - 1) / Nr * Nr;
    }

    public int Mr { get; }

    public int Nr { get; }

    public int Br { get; }

    public int Dh { get; }

    public int Dp { get; }

    private void Micro(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        if (_wide) GemmMicroKernels.Kernel8x32(kc, a, b, c, ldc, alpha, beta);
        else GemmMicroKernels.Kernel6x16(kc, a, b, c, ldc, alpha, beta);
    }

    /// <summary>Keys padded to whole key blocks plus one MR panel (tiles may run past the last valid key).</summary>
    public int PaddedKeys(int nv) => (nv + Bc - 1) / Bc * Bc + Mr;

    /// <summary>Floats of a <see cref="PackTileColumns"/> buffer.</summary>
    public int TileColumnsSize => (Bc + Mr - 1) / Mr * Mr * Br;

    /// <summary>
    /// Packs rows src[idx[j] * ld + d] (j &lt; count, d &lt; Dh) as transposed row panels for a B operand with
    /// kc = Dh: panel p holds [d][NR] for rows p*NR .. p*NR+NR-1; rows past count are zero.
    /// </summary>
    public void PackTransposed(float* src, int ld, int[] idx, int count, float* dst)
    {
        int panels = (count + Nr - 1) / Nr;
        float** rows = stackalloc float*[8];
        for (int p = 0; p < panels; p++)
        {
            float* panel = dst + (long)p * Dh * Nr;
            for (int c0 = 0; c0 < Nr; c0 += 8)
            {
                int valid = Math.Min(8, count - p * Nr - c0);
                if (valid == 8 && Avx.IsSupported)
                {
                    // Eight whole key rows: 8 x 8 register transposes, the Dh % 8 tail element by element.
                    for (int c = 0; c < 8; c++) rows[c] = src + (long)idx[p * Nr + c0 + c] * ld;
                    int d8 = Dh & ~7;
                    for (int d = 0; d < d8; d += 8) Transpose8x8.Rows(rows, d, panel + (long)d * Nr + c0, Nr);
                    for (int d = d8; d < Dh; d++)
                        for (int c = 0; c < 8; c++) panel[d * Nr + c0 + c] = rows[c][d];
                    continue;
                }
                for (int c = c0; c < c0 + 8; c++)
                {
                    int j = p * Nr + c;
                    float* row = j < count ? src + (long)idx[j] * ld : null;
                    for (int d = 0; d < Dh; d++) panel[d * Nr + c] = row is null ? 0f : row[d];
                }
            }
        }
    }

    /// <summary>
    /// Packs rows src[idx[j] * ld + d] (src[j * ld + d] when idx is null) as row panels for a B operand with kc over
    /// rows: column panel cp holds [rows][NR] for columns cp*NR ..; dst is (Dp / NR) panels of
    /// <paramref name="rows"/> rows; rows past count and columns past Dh are zero.
    /// </summary>
    public void PackRows(float* src, int ld, int[]? idx, int count, int rows, float* dst)
    {
        for (int cp = 0; cp < Dp / Nr; cp++)
        {
            float* panel = dst + (long)cp * rows * Nr;
            for (int j = 0; j < rows; j++)
            {
                float* o = panel + (long)j * Nr;
                if (j >= count)
                {
                    new Span<float>(o, Nr).Clear();
                    continue;
                }
                float* row = src + (long)(idx is null ? j : idx[j]) * ld + cp * Nr;
                int n = Math.Min(Nr, Dh - cp * Nr);
                new ReadOnlySpan<float>(row, n).CopyTo(new Span<float>(o, n));
                if (n < Nr) new Span<float>(o + n, Nr - n).Clear();
            }
        }
    }

    /// <summary>Packs up to Br query rows (src + i * ld) as column panels [Dh][MR] for an A operand with kc = Dh.</summary>
    public void PackQueries(float* src, int ld, int rows, float* dst)
    {
        float** rowPtrs = stackalloc float*[8];
        for (int qp = 0; qp < Br / Mr; qp++)
        {
            float* panel = dst + (long)qp * Dh * Mr;
            if (Mr == 8 && qp * Mr + Mr <= rows && Avx.IsSupported)
            {
                // A whole panel of 8 query rows: 8 x 8 register transposes, the Dh % 8 tail element by element.
                for (int r = 0; r < 8; r++) rowPtrs[r] = src + (long)(qp * Mr + r) * ld;
                int d8 = Dh & ~7;
                for (int d = 0; d < d8; d += 8) Transpose8x8.Rows(rowPtrs, d, panel + (long)d * Mr, Mr);
                for (int d = d8; d < Dh; d++)
                    for (int r = 0; r < 8; r++) panel[d * Mr + r] = rowPtrs[r][d];
                continue;
            }
            for (int r = 0; r < Mr; r++)
            {
                int i = qp * Mr + r;
                if (i < rows)
                {
                    float* row = src + (long)i * ld;
                    for (int d = 0; d < Dh; d++) panel[d * Mr + r] = row[d];
                }
                else
                {
                    for (int d = 0; d < Dh; d++) panel[d * Mr + r] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// Packs the tile t (Br x Bc, ld Bc), the row panels covering [0, rows) and columns [0, cols), as column
    /// panels [cols][MR] (A operand with kc = cols, for products over keys).
    /// </summary>
    public void PackTileRows(float* t, int rows, int cols, float* dst)
    {
        for (int qp = 0; qp < (rows + Mr - 1) / Mr; qp++)
        {
            float* panel = dst + (long)qp * Bc * Mr;
            float* tile = t + (long)qp * Mr * Bc;
            for (int j = 0; j < cols; j++)
                for (int r = 0; r < Mr; r++)
                    panel[j * Mr + r] = tile[r * Bc + j];
        }
    }

    /// <summary>
    /// Packs the transpose of tile t (Br x Bc), rows [0, rows), as column panels [rows][MR] over its columns
    /// (A operand with kc = rows, for products over queries).
    /// </summary>
    public void PackTileColumns(float* t, int rows, int cols, float* dst)
    {
        int panels = (cols + Mr - 1) / Mr;
        for (int kp = 0; kp < panels; kp++)
        {
            float* panel = dst + (long)kp * Br * Mr;
            int valid = Math.Min(Mr, cols - kp * Mr);
            if (valid == 8 && Mr == 8)
            {
                for (int i = 0; i < rows; i++) Vector256.Store(Vector256.Load(t + (long)i * Bc + kp * 8), panel + i * 8);
                continue;
            }
            for (int i = 0; i < rows; i++)
            {
                float* src = t + (long)i * Bc + kp * Mr;
                new ReadOnlySpan<float>(src, valid).CopyTo(new Span<float>(panel + i * Mr, valid));
                if (valid < Mr) new Span<float>(panel + i * Mr + valid, Mr - valid).Clear();
            }
        }
    }


    /// <summary>S (Br x Bc, ld Bc) = alpha * Q K^T for query panels [0, rows) and keys [0, cols) of a key block.</summary>
    public void Scores(float* qPacked, int rows, float* kPacked, int cols, float alpha, float* s)
    {
        int qPanels = (rows + Mr - 1) / Mr, kPanels = (cols + Nr - 1) / Nr;
        for (int qp = 0; qp < qPanels; qp++)
            for (int kp = 0; kp < kPanels; kp++)
                Micro(Dh, qPacked + (long)qp * Dh * Mr, kPacked + (long)kp * Dh * Nr, s + (long)qp * Mr * Bc + kp * Nr, Bc, alpha, 0f);
    }

    /// <summary>
    /// C (Br x Dp, ld Dp) = alpha * T V + beta * C: T packed by <see cref="PackTileRows"/> with kc keys,
    /// V row panels (from <see cref="PackRows"/> with <paramref name="vRows"/> rows) starting at key <paramref name="k0"/>.
    /// </summary>
    public void TileTimesRows(float* tPacked, int rows, int kc, float* v, int vRows, int k0, float* c, float alpha, float beta)
    {
        int qPanels = (rows + Mr - 1) / Mr;
        for (int qp = 0; qp < qPanels; qp++)
            for (int cp = 0; cp < Dp / Nr; cp++)
                Micro(kc, tPacked + (long)qp * Bc * Mr, v + ((long)cp * vRows + k0) * Nr, c + (long)qp * Mr * Dp + cp * Nr, Dp, alpha, beta);
    }

    /// <summary>
    /// <see cref="TileTimesRows"/> for the unpacked tile t (Br x Bc, ld Bc), keys [0, kc): the 8x32 kernel reads
    /// t's rows in place; the 6x16 path packs t into <paramref name="scratch"/> (<see cref="PackTileRows"/>) first.
    /// </summary>
    public void TileRowsTimesRows(float* t, float* scratch, int rows, int kc, float* v, int vRows, int k0, float* c, float alpha, float beta)
    {
        if (!_wide)
        {
            PackTileRows(t, rows, kc, scratch);
            TileTimesRows(scratch, rows, kc, v, vRows, k0, c, alpha, beta);
            return;
        }
        int qPanels = (rows + Mr - 1) / Mr;
        for (int qp = 0; qp < qPanels; qp++)
            for (int cp = 0; cp < Dp / Nr; cp++)
                GemmMicroKernels.Kernel8x32RowMajorA(kc, t + (long)qp * Mr * Bc, Bc, v + ((long)cp * vRows + k0) * Nr, c + (long)qp * Mr * Dp + cp * Nr, Dp, alpha, beta);
    }

    /// <summary>
    /// C[k0 + j, :] += alpha * sum_i T[i, j] X[i, :] for keys j &lt; cols: T^T packed by <see cref="PackTileColumns"/>
    /// (kc = rows queries), X as row panels of <see cref="Br"/> rows; C is (keys, Dp) with ld Dp.
    /// </summary>
    public void TileTransposeTimesRows(float* tPacked, int rows, int cols, float* x, float* c, int k0, float alpha)
    {
        int kPanels = (cols + Mr - 1) / Mr;
        for (int kp = 0; kp < kPanels; kp++)
            for (int cp = 0; cp < Dp / Nr; cp++)
                Micro(rows, tPacked + (long)kp * Br * Mr, x + (long)cp * Br * Nr, c + (long)(k0 + kp * Mr) * Dp + cp * Nr, Dp, alpha, 1f);
    }
}
