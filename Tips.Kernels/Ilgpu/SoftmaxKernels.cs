using ILGPU;
using ILGPU.Algorithms;

namespace Tips.Kernels;

/// <summary>
/// Softmax, soft-target cross-entropy and the iBOT masked-patch loss, one group per row.
/// Legend: B batch, N tokens, K prototypes; rows x cols with cols fastest.
/// </summary>
internal static class SoftmaxKernels
{
    /// <summary>Max and sum of exp(scale x - max) of a row, both group-wide.</summary>
    private static void Stats(ArrayView<float> x, long o, int cols, float scale, out float max, out float sum)
    {
        float m = float.NegativeInfinity;
        for (int c = Group.IdxX; c < cols; c += Group.DimX) m = XMath.Max(m, scale * x[o + c]);
        m = GroupMath.Max(m);
        float s = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX) s += XMath.Exp(scale * x[o + c] - m);
        max = m;
        sum = GroupMath.Sum(s);
    }

    public static void SoftmaxForward(ArrayView<float> x, ArrayView<float> y, int cols, float scale)
    {
        long o = (long)Grid.IdxX * cols;
        Stats(x, o, cols, scale, out float m, out float s);
        float inv = 1f / s;
        for (int c = Group.IdxX; c < cols; c += Group.DimX) y[o + c] = XMath.Exp(scale * x[o + c] - m) * inv;
    }

    public static void SoftmaxBackward(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int cols, float scale)
    {
        long o = (long)Grid.IdxX * cols;
        float d = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX) d += dy[o + c] * y[o + c];
        d = GroupMath.Sum(d);
        for (int c = Group.IdxX; c < cols; c += Group.DimX) dx[o + c] += scale * y[o + c] * (dy[o + c] - d);
    }

    /// <summary>loss = -sum t (s x - lse) = sum(t) lse - s sum(t x).</summary>
    public static void SoftCrossEntropyForward(ArrayView<float> logits, ArrayView<float> targets, ArrayView<float> loss,
        int cols, float scale)
    {
        int r = Grid.IdxX;
        long o = (long)r * cols;
        Stats(logits, o, cols, scale, out float m, out float s);
        float t = 0f, tx = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX)
        {
            t += targets[o + c];
            tx += targets[o + c] * scale * logits[o + c];
        }
        t = GroupMath.Sum(t);
        tx = GroupMath.Sum(tx);
        if (Group.IsFirstThread) loss[r] = t * (m + XMath.Log(s)) - tx;
    }

    public static void SoftCrossEntropyBackward(ArrayView<float> logits, ArrayView<float> targets, ArrayView<float> dloss,
        ArrayView<float> dlogits, int cols, float scale)
    {
        int r = Grid.IdxX;
        long o = (long)r * cols;
        Stats(logits, o, cols, scale, out float m, out float s);
        float t = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX) t += targets[o + c];
        t = GroupMath.Sum(t);
        float g = dloss[r] * scale;
        float inv = 1f / s;
        for (int c = Group.IdxX; c < cols; c += Group.DimX)
            dlogits[o + c] += g * (t * XMath.Exp(scale * logits[o + c] - m) * inv - targets[o + c]);
    }

    /// <summary>
    /// Per token (group per row of B * N): ce = -sum t log_softmax(student / tauS) with
    /// t = softmax((teacher - center) / tauT); as sum t = 1, ce = lse_s - sum t student / tauS.
    /// </summary>
    public static void TokenCrossEntropy(ArrayView<float> student, ArrayView<float> teacher, ArrayView<float> center,
        ArrayView<float> ce, int k, float invTauS, float invTauT)
    {
        int r = Grid.IdxX;
        long o = (long)r * k;
        float mt = float.NegativeInfinity, ms = float.NegativeInfinity;
        for (int c = Group.IdxX; c < k; c += Group.DimX)
        {
            mt = XMath.Max(mt, (teacher[o + c] - center[c]) * invTauT);
            ms = XMath.Max(ms, student[o + c] * invTauS);
        }
        mt = GroupMath.Max(mt);
        ms = GroupMath.Max(ms);
        float zt = 0f, zs = 0f, ts = 0f;
        for (int c = Group.IdxX; c < k; c += Group.DimX)
        {
            float et = XMath.Exp((teacher[o + c] - center[c]) * invTauT - mt);
            zt += et;
            ts += et * student[o + c] * invTauS;
            zs += XMath.Exp(student[o + c] * invTauS - ms);
        }
        zt = GroupMath.Sum(zt);
        zs = GroupMath.Sum(zs);
        ts = GroupMath.Sum(ts);
        if (Group.IsFirstThread) ce[r] = ms + XMath.Log(zs) - ts / zt;
    }

    /// <summary>Weight of token (b, n) in the batch loss: 1 / (count_b * B) if counted, else 0.</summary>
    private static float TokenWeight(ArrayView<float> mask, int b, int n, int batch, int tokens, int allPositions)
    {
        if (allPositions != 0) return 1f / ((float)tokens * batch);
        float count = 0f;
        for (int j = Group.IdxX; j < tokens; j += Group.DimX) count += mask[(long)b * tokens + j] != 0f ? 1f : 0f;
        count = GroupMath.Sum(count);
        return mask[(long)b * tokens + n] != 0f ? 1f / (count * batch) : 0f;
    }

    /// <summary>One group: loss[0] = mean over images of the mean ce over counted tokens (0 for an image with none).</summary>
    public static void MaskedMean(ArrayView<float> ce, ArrayView<float> mask, ArrayView<float> loss, int batch, int tokens, int allPositions)
    {
        float total = 0f;
        for (int b = 0; b < batch; b++)
        {
            float s = 0f, count = 0f;
            for (int n = Group.IdxX; n < tokens; n += Group.DimX)
            {
                long at = (long)b * tokens + n;
                float w = allPositions != 0 || mask[at] != 0f ? 1f : 0f;
                s += w * ce[at];
                count += w;
            }
            s = GroupMath.Sum(s);
            count = GroupMath.Sum(count);
            total += count > 0f ? s / count : 0f;
        }
        if (Group.IsFirstThread) loss[0] = total / batch;
    }

    /// <summary>dstudent += dloss * w_bn / tauS * (softmax(student / tauS) - t), group per token.</summary>
    public static void MaskedPatchLossBackward(ArrayView<float> student, ArrayView<float> teacher, ArrayView<float> center,
        ArrayView<float> mask, ArrayView<float> dstudent, MaskedLossParams p)
    {
        int r = Grid.IdxX;
        float w = TokenWeight(mask, r / p.Tokens, r % p.Tokens, p.Batch, p.Tokens, p.AllPositions);
        if (w == 0f) return;
        long o = (long)r * p.K;
        float mt = float.NegativeInfinity, ms = float.NegativeInfinity;
        for (int c = Group.IdxX; c < p.K; c += Group.DimX)
        {
            mt = XMath.Max(mt, (teacher[o + c] - center[c]) * p.InvTauT);
            ms = XMath.Max(ms, student[o + c] * p.InvTauS);
        }
        mt = GroupMath.Max(mt);
        ms = GroupMath.Max(ms);
        float zt = 0f, zs = 0f;
        for (int c = Group.IdxX; c < p.K; c += Group.DimX)
        {
            zt += XMath.Exp((teacher[o + c] - center[c]) * p.InvTauT - mt);
            zs += XMath.Exp(student[o + c] * p.InvTauS - ms);
        }
        zt = GroupMath.Sum(zt);
        zs = GroupMath.Sum(zs);
        float g = p.DLoss * w * p.InvTauS;
        for (int c = Group.IdxX; c < p.K; c += Group.DimX)
        {
            float t = XMath.Exp((teacher[o + c] - center[c]) * p.InvTauT - mt) / zt;
            float s = XMath.Exp(student[o + c] * p.InvTauS - ms) / zs;
            dstudent[o + c] += g * (s - t);
        }
    }
}

internal struct MaskedLossParams
{
    public int Batch, Tokens, K, AllPositions;
    public float InvTauS, InvTauT, DLoss;
}
