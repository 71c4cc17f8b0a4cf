namespace Tips.Kernels;

// Fused multi-head attention. qkv, dqkv (B, N, 3, H, Dh); out, dout (B, N, H * Dh); lse (B, H, N); keyMask (B, N).
public sealed partial class CpuBackend
{
    public void AttentionForward(DeviceBuffer<float> qkv, DeviceBuffer<float> output, DeviceBuffer<float>? lse,
        int batch, int tokens, int heads, int headDim, float scale, DeviceBuffer<float>? keyMask)
    {
        const string op = nameof(AttentionForward);
        CpuRows.CheckDims(op, batch, tokens, heads, headDim);
        int width = heads * headDim;
        var qb = Need(qkv, (long)batch * tokens * 3 * width, op, "qkv");
        var ob = Need(output, (long)batch * tokens * width, op, "output");
        var lb = lse is null ? null : Need(lse, (long)batch * heads * tokens, op, "lse");
        var mb = keyMask is null ? null : Need(keyMask, (long)batch * tokens, op, "keyMask");
        CpuRows.For(batch * heads, (long)tokens * tokens * headDim, (p0, p1) =>
        {
            var s = new float[tokens];
            var acc = new float[headDim];
            for (int p = p0; p < p1; p++)
            {
                int b = p / heads, h = p % heads;
                int baseQ = qb.Offset + b * tokens * 3 * width + h * headDim;
                for (int i = 0; i < tokens; i++)
                {
                    var q = qb.Array.AsSpan(baseQ + i * 3 * width, headDim);
                    float max = float.NegativeInfinity;
                    for (int j = 0; j < tokens; j++)
                    {
                        if (mb is not null && mb.Array[mb.Offset + b * tokens + j] == 0f)
                        {
                            s[j] = float.NegativeInfinity;
                            continue;
                        }
                        s[j] = scale * CpuSimd.Dot(q, qb.Array.AsSpan(baseQ + j * 3 * width + width, headDim));
                        max = MathF.Max(max, s[j]);
                    }
                    var o = ob.Array.AsSpan(ob.Offset + (b * tokens + i) * width + h * headDim, headDim);
                    int lseAt = (b * heads + h) * tokens + i;
                    if (float.IsNegativeInfinity(max))
                    {
                        // No valid key: zeros, and lse = log(0).
                        o.Clear();
                        if (lb is not null) lb.Array[lb.Offset + lseAt] = float.NegativeInfinity;
                        continue;
                    }
                    acc.AsSpan().Clear();
                    float sum = 0f;
                    for (int j = 0; j < tokens; j++)
                    {
                        if (float.IsNegativeInfinity(s[j])) continue;
                        float e = MathF.Exp(s[j] - max);
                        sum += e;
                        CpuSimd.Axpy(e, qb.Array.AsSpan(baseQ + j * 3 * width + 2 * width, headDim), acc);
                    }
                    float inv = 1f / sum;
                    for (int d = 0; d < headDim; d++) o[d] = acc[d] * inv;
                    if (lb is not null) lb.Array[lb.Offset + lseAt] = max + MathF.Log(sum);
                }
            }
        });
    }

    public void AttentionBackward(DeviceBuffer<float> qkv, DeviceBuffer<float> output, DeviceBuffer<float> lse,
        DeviceBuffer<float> dout, DeviceBuffer<float> dqkv,
        int batch, int tokens, int heads, int headDim, float scale, DeviceBuffer<float>? keyMask)
    {
        const string op = nameof(AttentionBackward);
        CpuRows.CheckDims(op, batch, tokens, heads, headDim);
        int width = heads * headDim;
        var qb = Need(qkv, (long)batch * tokens * 3 * width, op, "qkv");
        var ob = Need(output, (long)batch * tokens * width, op, "output");
        var lb = Need(lse, (long)batch * heads * tokens, op, "lse");
        var gb = Need(dout, (long)batch * tokens * width, op, "dout");
        var db = Need(dqkv, (long)batch * tokens * 3 * width, op, "dqkv");
        var mb = keyMask is null ? null : Need(keyMask, (long)batch * tokens, op, "keyMask");
        // Each (b, h) pair owns its q, k, v gradient columns, so pairs run in parallel without races.
        CpuRows.For(batch * heads, 2L * tokens * tokens * headDim, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                int b = p / heads, h = p % heads;
                int baseQ = qb.Offset + b * tokens * 3 * width + h * headDim;
                int baseD = db.Offset + b * tokens * 3 * width + h * headDim;
                for (int i = 0; i < tokens; i++)
                {
                    float l = lb.Array[lb.Offset + (b * heads + h) * tokens + i];
                    if (float.IsNegativeInfinity(l)) continue;
                    var q = qb.Array.AsSpan(baseQ + i * 3 * width, headDim);
                    var dO = gb.Array.AsSpan(gb.Offset + (b * tokens + i) * width + h * headDim, headDim);
                    var o = ob.Array.AsSpan(ob.Offset + (b * tokens + i) * width + h * headDim, headDim);
                    var dq = db.Array.AsSpan(baseD + i * 3 * width, headDim);
                    float di = CpuSimd.Dot(dO, o);
                    for (int j = 0; j < tokens; j++)
                    {
                        if (mb is not null && mb.Array[mb.Offset + b * tokens + j] == 0f) continue;
                        var k = qb.Array.AsSpan(baseQ + j * 3 * width + width, headDim);
                        var v = qb.Array.AsSpan(baseQ + j * 3 * width + 2 * width, headDim);
                        float pij = MathF.Exp(scale * CpuSimd.Dot(q, k) - l);
                        float ds = pij * (CpuSimd.Dot(dO, v) - di);
                        CpuSimd.Axpy(scale * ds, k, dq);
                        CpuSimd.Axpy(scale * ds, q, db.Array.AsSpan(baseD + j * 3 * width + width, headDim));
                        CpuSimd.Axpy(pij, dO, db.Array.AsSpan(baseD + j * 3 * width + 2 * width, headDim));
                    }
                }
            }
        });
    }
}
