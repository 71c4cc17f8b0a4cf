namespace Tips.Kernels;

// Fused multi-head attention, tiled (FlashAttention.cs). qkv, dqkv (B, N, 3, H, Dh); out, dout (B, N, H * Dh);
// lse (B, H, N); keyMask (B, N), 1 = valid key. A query with no valid key outputs zeros, lse = -inf (log of an
// empty sum), and receives no gradient.
public sealed partial class CpuBackend
{
    public unsafe void AttentionForward(DeviceBuffer<float> qkv, DeviceBuffer<float> output, DeviceBuffer<float>? lse,
        int batch, int tokens, int heads, int headDim, float scale, DeviceBuffer<float>? keyMask)
    {
        const string op = nameof(AttentionForward);
        CpuRows.CheckDims(op, batch, tokens, heads, headDim);
        int width = heads * headDim, ld = 3 * width;
        var qb = Need(qkv, (long)batch * tokens * ld, op, "qkv");
        var ob = Need(output, (long)batch * tokens * width, op, "output");
        var lb = lse is null ? null : Need(lse, (long)batch * heads * tokens, op, "lse");
        var keys = ValidKeys(keyMask, batch, tokens, op);
        if ((long)batch * tokens * heads * headDim == 0) return;
        var fa = new FlashAttention(GemmVectorBits == 512, headDim);

        // Phase 1: per (b, h), K as transposed panels (scores) and V as row panels (P V), valid keys only, in the
        // calling thread's arena (workers read them in phase 2).
        var kPack = new nint[batch * heads];
        var vPack = new nint[batch * heads];
        long packFloats = 0;
        for (int b = 0; b < batch; b++)
            packFloats += heads * (PinnedScratch.Size((long)fa.PaddedKeys(keys[b].Length) * headDim) + PinnedScratch.Size((long)fa.PaddedKeys(keys[b].Length) * fa.Dp));
        var packs = PinnedScratch.Call;
        packs.Begin(packFloats);
        for (int p = 0; p < batch * heads; p++)
        {
            int kRows = fa.PaddedKeys(keys[p / heads].Length);
            kPack[p] = (nint)packs.Take((long)kRows * headDim);
            vPack[p] = (nint)packs.Take((long)kRows * fa.Dp);
        }
        CpuRows.For(batch * heads, 2L * tokens * headDim, (p0, p1) =>
        {
            fixed (float* q = qb.Array)
                for (int p = p0; p < p1; p++)
                {
                    int b = p / heads, h = p % heads, nv = keys[b].Length;
                    float* head = q + qb.Offset + (long)b * tokens * ld + h * headDim;
                    fa.PackTransposed(head + width, ld, keys[b], nv, (float*)kPack[p]);
                    fa.PackRows(head + 2 * width, ld, keys[b], nv, fa.PaddedKeys(nv), (float*)vPack[p]);
                }
        });

        // Phase 2: query blocks, each streaming over key blocks with the online softmax.
        int qBlocks = (tokens + fa.Br - 1) / fa.Br;
        int bc = FlashAttention.Bc;
        CpuRows.For(batch * heads * qBlocks, (long)fa.Br * tokens * headDim, (w0, w1) =>
        {
            var arena = PinnedScratch.Worker;
            arena.Begin(PinnedScratch.Size(fa.Br * headDim) + 2 * PinnedScratch.Size(fa.Br * bc) + PinnedScratch.Size(fa.Br * fa.Dp) + 2 * PinnedScratch.Size(fa.Br));
            float* qp = arena.Take(fa.Br * headDim);
            float* sp = arena.Take(fa.Br * bc);
            float* pp = arena.Take(fa.Br * bc);
            float* ap = arena.Take(fa.Br * fa.Dp);
            var m = new Span<float>(arena.Take(fa.Br), fa.Br);
            var l = new Span<float>(arena.Take(fa.Br), fa.Br);
            fixed (float* q = qb.Array, o = ob.Array)
                for (int w = w0; w < w1; w++)
                {
                    int p = w / qBlocks, b = p / heads, h = p % heads, nv = keys[b].Length;
                    int i0 = w % qBlocks * fa.Br, rows = Math.Min(fa.Br, tokens - i0);
                    float* outRows = o + ob.Offset + (long)(b * tokens + i0) * width + h * headDim;
                    int lseAt = (b * heads + h) * tokens + i0;
                    if (nv == 0)
                    {
                        for (int r = 0; r < rows; r++) new Span<float>(outRows + (long)r * width, headDim).Clear();
                        if (lb is not null) lb.Array.AsSpan(lb.Offset + lseAt, rows).Fill(float.NegativeInfinity);
                        continue;
                    }
                    fa.PackQueries(q + qb.Offset + (long)(b * tokens + i0) * ld + h * headDim, ld, rows, qp);
                    m.Fill(float.NegativeInfinity);
                    l.Clear();
                    new Span<float>(ap, fa.Br * fa.Dp).Clear();
                    float* kp = (float*)kPack[p], vp = (float*)vPack[p];
                    for (int j0 = 0; j0 < nv; j0 += bc)
                    {
                        int cols = Math.Min(bc, nv - j0);
                        fa.Scores(qp, rows, kp + (long)j0 * headDim, cols, scale, sp);
                        for (int r = 0; r < rows; r++)
                        {
                            var row = new Span<float>(sp + r * bc, cols);
                            float mNew = MathF.Max(m[r], CpuSimd.Max(row));
                            float corr = MathF.Exp(m[r] - mNew);
                            l[r] = l[r] * corr + CpuSimd.ExpScaled(row, 1f, mNew, row);
                            if (corr != 1f) CpuSimd.Scale(new Span<float>(ap + r * fa.Dp, fa.Dp), corr);
                            m[r] = mNew;
                        }
                        fa.TileRowsTimesRows(sp, pp, rows, cols, vp, fa.PaddedKeys(nv), j0, ap, 1f, 1f);
                    }
                    for (int r = 0; r < rows; r++)
                    {
                        CpuSimd.Scaled(new ReadOnlySpan<float>(ap + r * fa.Dp, headDim), 1f / l[r], new Span<float>(outRows + (long)r * width, headDim));
                        if (lb is not null) lb.Array[lb.Offset + lseAt + r] = m[r] + MathF.Log(l[r]);
                    }
                }
        });
    }

    public unsafe void AttentionBackward(DeviceBuffer<float> qkv, DeviceBuffer<float> output, DeviceBuffer<float> lse,
        DeviceBuffer<float> dout, DeviceBuffer<float> dqkv,
        int batch, int tokens, int heads, int headDim, float scale, DeviceBuffer<float>? keyMask)
    {
        const string op = nameof(AttentionBackward);
        CpuRows.CheckDims(op, batch, tokens, heads, headDim);
        int width = heads * headDim, ld = 3 * width;
        var qb = Need(qkv, (long)batch * tokens * ld, op, "qkv");
        var ob = Need(output, (long)batch * tokens * width, op, "output");
        var lb = Need(lse, (long)batch * heads * tokens, op, "lse");
        var gb = Need(dout, (long)batch * tokens * width, op, "dout");
        var db = Need(dqkv, (long)batch * tokens * ld, op, "dqkv");
        var keys = ValidKeys(keyMask, batch, tokens, op);
        if ((long)batch * tokens * heads * headDim == 0) return;
        var fa = new FlashAttention(GemmVectorBits == 512, headDim);
        int bc = FlashAttention.Bc;

        // Scratch comes from the per-thread pinned arena (PinnedScratch), sized for the longest key set. Each (b, h) owns its q, k, v gradient columns, so pairs run in parallel without races. Per pair:
        // for each query block and key block, P = exp(S - lse), dP = dO V^T, dS = P (dP - rowsum(dO o O)),
        // dV += P^T dO, dK += scale dS^T Q, dQ += scale dS K.
        CpuRows.For(batch * heads, 5L * tokens * tokens * headDim, (p0, p1) =>
        {
            int kMax = 0;
            for (int b = 0; b < batch; b++) kMax = Math.Max(kMax, fa.PaddedKeys(keys[b].Length));
            long tile = PinnedScratch.Size(fa.Br * bc), panel = PinnedScratch.Size(fa.Br * fa.Dp);
            var arena = PinnedScratch.Worker;
            arena.Begin(2 * PinnedScratch.Size(fa.Br * headDim) + 3 * panel + 2 * tile + PinnedScratch.Size(Math.Max(fa.TileColumnsSize, fa.Br * bc))
                + 2 * PinnedScratch.Size((long)kMax * headDim) + 3 * PinnedScratch.Size((long)kMax * fa.Dp) + PinnedScratch.Size(fa.Br));
            float* qp = arena.Take(fa.Br * headDim);
            float* gp = arena.Take(fa.Br * headDim);
            float* qr = arena.Take(fa.Br * fa.Dp);
            float* gr = arena.Take(fa.Br * fa.Dp);
            float* sp = arena.Take(fa.Br * bc);
            float* dpp = arena.Take(fa.Br * bc);
            float* tp = arena.Take(Math.Max(fa.TileColumnsSize, fa.Br * bc));
            float* dqp = arena.Take(fa.Br * fa.Dp);
            float* ktp = arena.Take((long)kMax * headDim);
            float* vtp = arena.Take((long)kMax * headDim);
            float* krp = arena.Take((long)kMax * fa.Dp);
            float* dkp = arena.Take((long)kMax * fa.Dp);
            float* dvp = arena.Take((long)kMax * fa.Dp);
            var dd = new Span<float>(arena.Take(fa.Br), fa.Br);
            fixed (float* q = qb.Array, o = ob.Array, g = gb.Array, dst = db.Array)
                for (int p = p0; p < p1; p++)
                {
                    int b = p / heads, h = p % heads, nv = keys[b].Length;
                    if (nv == 0) continue;
                    int kRows = fa.PaddedKeys(nv);
                    float* head = q + qb.Offset + (long)b * tokens * ld + h * headDim;
                    float* dHead = dst + db.Offset + (long)b * tokens * ld + h * headDim;
                    new Span<float>(dkp, kRows * fa.Dp).Clear();
                    new Span<float>(dvp, kRows * fa.Dp).Clear();
                    fa.PackTransposed(head + width, ld, keys[b], nv, ktp);
                    fa.PackTransposed(head + 2 * width, ld, keys[b], nv, vtp);
                    fa.PackRows(head + width, ld, keys[b], nv, kRows, krp);
                    for (int i0 = 0; i0 < tokens; i0 += fa.Br)
                    {
                        int rows = Math.Min(fa.Br, tokens - i0);
                        float* qBlock = head + (long)i0 * ld;
                        float* gBlock = g + gb.Offset + (long)(b * tokens + i0) * width + h * headDim;
                        float* oBlock = o + ob.Offset + (long)(b * tokens + i0) * width + h * headDim;
                        fa.PackQueries(qBlock, ld, rows, qp);
                        fa.PackQueries(gBlock, width, rows, gp);
                        fa.PackRows(qBlock, ld, null, rows, fa.Br, qr);
                        fa.PackRows(gBlock, width, null, rows, fa.Br, gr);
                        for (int r = 0; r < rows; r++)
                            dd[r] = CpuSimd.Dot(new ReadOnlySpan<float>(gBlock + (long)r * width, headDim), new ReadOnlySpan<float>(oBlock + (long)r * width, headDim));
                        new Span<float>(dqp, fa.Br * fa.Dp).Clear();
                        int lseAt = lb.Offset + (b * heads + h) * tokens + i0;
                        for (int j0 = 0; j0 < nv; j0 += bc)
                        {
                            int cols = Math.Min(bc, nv - j0);
                            fa.Scores(qp, rows, ktp + (long)j0 * headDim, cols, scale, sp);
                            fa.Scores(gp, rows, vtp + (long)j0 * headDim, cols, 1f, dpp);
                            for (int r = 0; r < rows; r++)
                            {
                                var pr = new Span<float>(sp + r * bc, cols);
                                CpuSimd.ExpScaled(pr, 1f, lb.Array[lseAt + r], pr);
                                CpuSimd.MultiplyShifted(pr, dd[r], new Span<float>(dpp + r * bc, cols));
                            }
                            fa.PackTileColumns(sp, rows, cols, tp);
                            fa.TileTransposeTimesRows(tp, rows, cols, gr, dvp, j0, 1f);
                            fa.PackTileColumns(dpp, rows, cols, tp);
                            fa.TileTransposeTimesRows(tp, rows, cols, qr, dkp, j0, scale);
                            fa.TileRowsTimesRows(dpp, tp, rows, cols, krp, kRows, j0, dqp, scale, 1f);
                        }
                        for (int r = 0; r < rows; r++)
                            CpuSimd.Axpy(1f, new ReadOnlySpan<float>(dqp + r * fa.Dp, headDim), new Span<float>(dHead + (long)(i0 + r) * ld, headDim));
                    }
                    for (int j = 0; j < nv; j++)
                    {
                        float* row = dHead + (long)keys[b][j] * ld;
                        CpuSimd.Axpy(1f, new ReadOnlySpan<float>(dkp + (long)j * fa.Dp, headDim), new Span<float>(row + width, headDim));
                        CpuSimd.Axpy(1f, new ReadOnlySpan<float>(dvp + (long)j * fa.Dp, headDim), new Span<float>(row + 2 * width, headDim));
                    }
                }
        });
    }

    /// <summary>Per image, the indices of its valid keys (all when there is no mask).</summary>
    private int[][] ValidKeys(DeviceBuffer<float>? keyMask, int batch, int tokens, string op)
    {
        var keys = new int[batch][];
        var mb = keyMask is null ? null : Need(keyMask, (long)batch * tokens, op, "keyMask");
        for (int b = 0; b < batch; b++)
        {
            var list = new List<int>(tokens);
            for (int n = 0; n < tokens; n++)
                if (mb is null || mb.Array[mb.Offset + b * tokens + n] != 0f) list.Add(n);
            keys[b] = list.ToArray();
        }
        return keys;
    }
}
