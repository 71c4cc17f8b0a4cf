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

        // Phase 1: per (b, h), K as transposed panels (scores) and V as row panels (P V), valid keys only.
        var owners = new float[2 * batch * heads][];
        var kPack = new nint[batch * heads];
        var vPack = new nint[batch * heads];
        CpuRows.For(batch * heads, 2L * tokens * headDim, (p0, p1) =>
        {
            fixed (float* q = qb.Array)
                for (int p = p0; p < p1; p++)
                {
                    int b = p / heads, h = p % heads, nv = keys[b].Length;
                    float* head = q + qb.Offset + (long)b * tokens * ld + h * headDim;
                    float* kp = FlashAttention.Scratch(fa.PaddedKeys(nv) * headDim, out owners[2 * p]);
                    float* vp = FlashAttention.Scratch(fa.PaddedKeys(nv) * fa.Dp, out owners[2 * p + 1]);
                    fa.PackTransposed(head + width, ld, keys[b], nv, kp);
                    fa.PackRows(head + 2 * width, ld, keys[b], nv, fa.PaddedKeys(nv), vp);
                    kPack[p] = (nint)kp;
                    vPack[p] = (nint)vp;
                }
        });

        // Phase 2: query blocks, each streaming over key blocks with the online softmax.
        int qBlocks = (tokens + fa.Br - 1) / fa.Br;
        int bc = FlashAttention.Bc;
        CpuRows.For(batch * heads * qBlocks, (long)fa.Br * tokens * headDim, (w0, w1) =>
        {
            float* qp = FlashAttention.Scratch(fa.Br * headDim, out var qOwner);
            float* sp = FlashAttention.Scratch(fa.Br * bc, out var sOwner);
            float* pp = FlashAttention.Scratch(fa.Br * bc, out var pOwner);
            float* ap = FlashAttention.Scratch(fa.Br * fa.Dp, out var aOwner);
            var m = new float[fa.Br];
            var l = new float[fa.Br];
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
                    m.AsSpan().Fill(float.NegativeInfinity);
                    l.AsSpan().Clear();
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
                        fa.PackTileRows(sp, rows, cols, pp);
                        fa.TileTimesRows(pp, rows, cols, vp, fa.PaddedKeys(nv), j0, ap, 1f, 1f);
                    }
                    for (int r = 0; r < rows; r++)
                    {
                        float inv = 1f / l[r];
                        float* dst = outRows + (long)r * width;
                        for (int d = 0; d < headDim; d++) dst[d] = ap[r * fa.Dp + d] * inv;
                        if (lb is not null) lb.Array[lb.Offset + lseAt + r] = m[r] + MathF.Log(l[r]);
                    }
                }
            GC.KeepAlive(qOwner);
            GC.KeepAlive(sOwner);
            GC.KeepAlive(pOwner);
            GC.KeepAlive(aOwner);
        });
        GC.KeepAlive(owners);
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

        // Scratch is pinned and 64-byte aligned (FlashAttention.Scratch). Each (b, h) owns its q, k, v gradient columns, so pairs run in parallel without races. Per pair:
        // for each query block and key block, P = exp(S - lse), dP = dO V^T, dS = P (dP - rowsum(dO o O)),
        // dV += P^T dO, dK += scale dS^T Q, dQ += scale dS K.
        CpuRows.For(batch * heads, 5L * tokens * tokens * headDim, (p0, p1) =>
        {
            float* qp = FlashAttention.Scratch(fa.Br * headDim, out var o1);
            float* gp = FlashAttention.Scratch(fa.Br * headDim, out var o2);
            float* qr = FlashAttention.Scratch(fa.Br * fa.Dp, out var o3);
            float* gr = FlashAttention.Scratch(fa.Br * fa.Dp, out var o4);
            float* sp = FlashAttention.Scratch(fa.Br * bc, out var o5);
            float* dpp = FlashAttention.Scratch(fa.Br * bc, out var o6);
            float* tp = FlashAttention.Scratch(Math.Max(fa.TileColumnsSize, fa.Br * bc), out var o7);
            float* dqp = FlashAttention.Scratch(fa.Br * fa.Dp, out var o8);
            var dd = new float[fa.Br];
            fixed (float* q = qb.Array, o = ob.Array, g = gb.Array, dst = db.Array)
                for (int p = p0; p < p1; p++)
                {
                    int b = p / heads, h = p % heads, nv = keys[b].Length;
                    if (nv == 0) continue;
                    int kRows = fa.PaddedKeys(nv);
                    float* head = q + qb.Offset + (long)b * tokens * ld + h * headDim;
                    float* dHead = dst + db.Offset + (long)b * tokens * ld + h * headDim;
                    float* ktp = FlashAttention.Scratch(kRows * headDim, out var kOwner);
                    float* vtp = FlashAttention.Scratch(kRows * headDim, out var vOwner);
                    float* krp = FlashAttention.Scratch(kRows * fa.Dp, out var krOwner);
                    float* dkp = FlashAttention.Scratch(kRows * fa.Dp, out var dkOwner);
                    float* dvp = FlashAttention.Scratch(kRows * fa.Dp, out var dvOwner);
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
                                var dr = new Span<float>(dpp + r * bc, cols);
                                for (int j = 0; j < cols; j++) dr[j] = pr[j] * (dr[j] - dd[r]);
                            }
                            fa.PackTileColumns(sp, rows, cols, tp);
                            fa.TileTransposeTimesRows(tp, rows, cols, gr, dvp, j0, 1f);
                            fa.PackTileColumns(dpp, rows, cols, tp);
                            fa.TileTransposeTimesRows(tp, rows, cols, qr, dkp, j0, scale);
                            fa.PackTileRows(dpp, rows, cols, tp);
                            fa.TileTimesRows(tp, rows, cols, krp, kRows, j0, dqp, scale, 1f);
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
                    GC.KeepAlive(kOwner);
                    GC.KeepAlive(vOwner);
                    GC.KeepAlive(krOwner);
                    GC.KeepAlive(dkOwner);
                    GC.KeepAlive(dvOwner);
                }
            GC.KeepAlive(o1);
            GC.KeepAlive(o2);
            GC.KeepAlive(o3);
            GC.KeepAlive(o4);
            GC.KeepAlive(o5);
            GC.KeepAlive(o6);
            GC.KeepAlive(o7);
            GC.KeepAlive(o8);
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
