namespace Tips.Kernels;

// Distillation losses. Legend: rows x cols logits, B images, N tokens, K prototypes.
public sealed partial class CpuBackend
{
    public void SoftCrossEntropyForward(DeviceBuffer<float> logits, DeviceBuffer<float> targets, DeviceBuffer<float> loss,
        int rows, int cols, float scale)
    {
        const string op = nameof(SoftCrossEntropyForward);
        CpuRows.CheckDims(op, rows, cols);
        var xb = Need(logits, (long)rows * cols, op, "logits");
        var tb = Need(targets, (long)rows * cols, op, "targets");
        var lb = Need(loss, rows, op, "loss");
        CpuRows.For(rows, cols, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                var xs = xb.Array.AsSpan(xb.Offset + r * cols, cols);
                var ts = tb.Array.AsSpan(tb.Offset + r * cols, cols);
                // -sum t (s x - lse) = sum(t) lse - s sum(t x)
                float lse = LogSumExpScaled(xs, scale);
                float sumT = 0f, sumTX = 0f;
                for (int c = 0; c < cols; c++)
                {
                    sumT += ts[c];
                    sumTX += ts[c] * xs[c];
                }
                lb.Array[lb.Offset + r] = sumT * lse - scale * sumTX;
            }
        });
    }

    public void SoftCrossEntropyBackward(DeviceBuffer<float> logits, DeviceBuffer<float> targets, DeviceBuffer<float> dloss,
        DeviceBuffer<float> dlogits, int rows, int cols, float scale)
    {
        const string op = nameof(SoftCrossEntropyBackward);
        CpuRows.CheckDims(op, rows, cols);
        var xb = Need(logits, (long)rows * cols, op, "logits");
        var tb = Need(targets, (long)rows * cols, op, "targets");
        var lb = Need(dloss, rows, op, "dloss");
        var db = Need(dlogits, (long)rows * cols, op, "dlogits");
        CpuRows.For(rows, cols, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                var xs = xb.Array.AsSpan(xb.Offset + r * cols, cols);
                var ts = tb.Array.AsSpan(tb.Offset + r * cols, cols);
                var ds = db.Array.AsSpan(db.Offset + r * cols, cols);
                float lse = LogSumExpScaled(xs, scale);
                float sumT = CpuSimd.Sum(ts);
                float g = lb.Array[lb.Offset + r] * scale;
                for (int c = 0; c < cols; c++)
                    ds[c] += g * (sumT * MathF.Exp(scale * xs[c] - lse) - ts[c]);
            }
        });
    }

    public void MaskedPatchLossForward(DeviceBuffer<float> student, DeviceBuffer<float> teacher, DeviceBuffer<float> center,
        DeviceBuffer<float> mask, DeviceBuffer<float> loss, int batch, int tokens, int k,
        float tauS, float tauT, bool allPositions)
    {
        const string op = nameof(MaskedPatchLossForward);
        CpuRows.CheckDims(op, batch, tokens, k);
        var sb = Need(student, (long)batch * tokens * k, op, "student");
        var tb = Need(teacher, (long)batch * tokens * k, op, "teacher");
        var cb = Need(center, k, op, "center");
        var mb = allPositions ? null : Need(mask, (long)batch * tokens, op, "mask");
        var lb = Need(loss, 1, op, "loss");
        var perImage = new float[batch];
        CpuRows.For(batch, (long)tokens * k, (b0, b1) =>
        {
            var t = new float[k];
            for (int b = b0; b < b1; b++)
            {
                float sum = 0f;
                int count = 0;
                for (int n = 0; n < tokens; n++)
                {
                    int row = b * tokens + n;
                    if (mb is not null && mb.Array[mb.Offset + row] == 0f) continue;
                    count++;
                    var ss = sb.Array.AsSpan(sb.Offset + row * k, k);
                    PatchTargets(tb.Array.AsSpan(tb.Offset + row * k, k), cb.Array.AsSpan(cb.Offset, k), tauT, t);
                    // CE = -sum t (s/tauS - lse) = lse sum(t) - sum(t s)/tauS, with sum(t) = 1.
                    float lse = LogSumExpScaled(ss, 1f / tauS);
                    sum += lse - CpuSimd.Dot(t, ss) / tauS;
                }
                perImage[b] = count == 0 ? 0f : sum / count;
            }
        });
        float total = 0f;
        foreach (float v in perImage) total += v;
        lb.Array[lb.Offset] = batch == 0 ? 0f : total / batch;
    }

    public void MaskedPatchLossBackward(DeviceBuffer<float> student, DeviceBuffer<float> teacher, DeviceBuffer<float> center,
        DeviceBuffer<float> mask, float dloss, DeviceBuffer<float> dstudent, int batch, int tokens, int k,
        float tauS, float tauT, bool allPositions)
    {
        const string op = nameof(MaskedPatchLossBackward);
        CpuRows.CheckDims(op, batch, tokens, k);
        var sb = Need(student, (long)batch * tokens * k, op, "student");
        var tb = Need(teacher, (long)batch * tokens * k, op, "teacher");
        var cb = Need(center, k, op, "center");
        var mb = allPositions ? null : Need(mask, (long)batch * tokens, op, "mask");
        var db = Need(dstudent, (long)batch * tokens * k, op, "dstudent");
        CpuRows.For(batch, (long)tokens * k, (b0, b1) =>
        {
            var t = new float[k];
            for (int b = b0; b < b1; b++)
            {
                int count = 0;
                for (int n = 0; n < tokens; n++)
                    if (mb is null || mb.Array[mb.Offset + b * tokens + n] != 0f) count++;
                if (count == 0) continue;
                float g = dloss / (batch * (float)count * tauS);
                for (int n = 0; n < tokens; n++)
                {
                    int row = b * tokens + n;
                    if (mb is not null && mb.Array[mb.Offset + row] == 0f) continue;
                    var ss = sb.Array.AsSpan(sb.Offset + row * k, k);
                    var ds = db.Array.AsSpan(db.Offset + row * k, k);
                    PatchTargets(tb.Array.AsSpan(tb.Offset + row * k, k), cb.Array.AsSpan(cb.Offset, k), tauT, t);
                    float lse = LogSumExpScaled(ss, 1f / tauS);
                    for (int c = 0; c < k; c++) ds[c] += g * (MathF.Exp(ss[c] / tauS - lse) - t[c]);
                }
            }
        });
    }

    public void CenterUpdate(DeviceBuffer<float> x, DeviceBuffer<float> center, int rows, int k, float momentum)
    {
        const string op = nameof(CenterUpdate);
        CpuRows.CheckDims(op, rows, k);
        var xb = Need(x, (long)rows * k, op, "x");
        var cb = Need(center, k, op, "center");
        var sum = new double[k];
        for (int r = 0; r < rows; r++)
        {
            var xs = xb.Array.AsSpan(xb.Offset + r * k, k);
            for (int c = 0; c < k; c++) sum[c] += xs[c];
        }
        var cs = cb.Array.AsSpan(cb.Offset, k);
        for (int c = 0; c < k; c++)
            cs[c] = momentum * cs[c] + (1f - momentum) * (float)(sum[c] / rows);
    }

    /// <summary>log sum_c exp(scale * x_c), max-shifted.</summary>
    private static float LogSumExpScaled(ReadOnlySpan<float> x, float scale)
    {
        float shift = CpuSimd.MaxScaled(x, scale);
        float sum = 0f;
        foreach (float v in x) sum += MathF.Exp(scale * v - shift);
        return shift + MathF.Log(sum);
    }

    /// <summary>t = softmax((teacher - center) / tauT), the sharpened, centred teacher distribution.</summary>
    private static void PatchTargets(ReadOnlySpan<float> teacher, ReadOnlySpan<float> center, float tauT, Span<float> t)
    {
        float max = float.NegativeInfinity;
        for (int c = 0; c < t.Length; c++)
        {
            t[c] = (teacher[c] - center[c]) / tauT;
            max = MathF.Max(max, t[c]);
        }
        float sum = 0f;
        for (int c = 0; c < t.Length; c++)
        {
            t[c] = MathF.Exp(t[c] - max);
            sum += t[c];
        }
        float inv = 1f / sum;
        for (int c = 0; c < t.Length; c++) t[c] *= inv;
    }
}
