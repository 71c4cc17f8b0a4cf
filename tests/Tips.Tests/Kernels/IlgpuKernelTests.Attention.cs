namespace Tips.Tests.Kernels;

public abstract partial class IlgpuKernelTests
{
    /// <summary>
    /// Unfused float64 attention and its gradient: S = scale q k^T, P = softmax over valid keys, O = P v;
    /// dP = dO v^T, dS = P (dP - rowsum(dP P)), dq = scale dS k, dk = scale dS^T q, dv = P^T dO.
    /// </summary>
    private static (double[] Out, double[] Lse, double[] Dqkv) RefAttention(float[] qkv, float[] dout, float[]? mask,
        int batch, int tokens, int heads, int dh, double scale)
    {
        int row = 3 * heads * dh, hd = heads * dh;
        var output = new double[batch * tokens * hd];
        var lse = new double[batch * heads * tokens];
        var dqkv = new double[qkv.Length];
        double Q(int b, int n, int h, int d, int part) => qkv[(b * tokens + n) * row + part * hd + h * dh + d];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < tokens; i++)
                {
                    var p = new double[tokens];
                    double m = double.NegativeInfinity;
                    for (int j = 0; j < tokens; j++)
                    {
                        if (mask != null && mask[b * tokens + j] == 0) { p[j] = double.NegativeInfinity; continue; }
                        double s = 0;
                        for (int d = 0; d < dh; d++) s += Q(b, i, h, d, 0) * Q(b, j, h, d, 1);
                        p[j] = scale * s;
                        m = Math.Max(m, p[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < tokens; j++) z += double.IsNegativeInfinity(p[j]) ? 0 : Math.Exp(p[j] - m);
                    lse[(b * heads + h) * tokens + i] = z > 0 ? m + Math.Log(z) : double.NegativeInfinity;
                    for (int j = 0; j < tokens; j++) p[j] = z > 0 && !double.IsNegativeInfinity(p[j]) ? Math.Exp(p[j] - m) / z : 0;
                    int o = (b * tokens + i) * hd + h * dh;
                    for (int d = 0; d < dh; d++)
                        for (int j = 0; j < tokens; j++) output[o + d] += p[j] * Q(b, j, h, d, 2);
                    var dp = new double[tokens];
                    double dot = 0;
                    for (int j = 0; j < tokens; j++)
                    {
                        for (int d = 0; d < dh; d++) dp[j] += dout[o + d] * Q(b, j, h, d, 2);
                        dot += dp[j] * p[j];
                    }
                    for (int j = 0; j < tokens; j++)
                    {
                        double dsv = p[j] * (dp[j] - dot);
                        for (int d = 0; d < dh; d++)
                        {
                            dqkv[(b * tokens + i) * row + h * dh + d] += scale * dsv * Q(b, j, h, d, 1);
                            dqkv[(b * tokens + j) * row + hd + h * dh + d] += scale * dsv * Q(b, i, h, d, 0);
                            dqkv[(b * tokens + j) * row + 2 * hd + h * dh + d] += p[j] * dout[o + d];
                        }
                    }
                }
        return (output, lse, dqkv);
    }

    /// <summary>
    /// N = 7 spans two key/query blocks with a partial one; batch 1 masks keys 2 and 5, batch 2 masks every key
    /// (its queries give zeros and no gradient).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AttentionMatchesUnfused(bool masked)
    {
        const int batch = 3, tokens = 7, heads = 2, dh = 5;
        float scale = 1f / MathF.Sqrt(dh);
        var qkv = Rand(batch * tokens * 3 * heads * dh, 80, -2f, 2f);
        var dout = Rand(batch * tokens * heads * dh, 81);
        float[]? mask = null;
        if (masked)
        {
            mask = Enumerable.Repeat(1f, batch * tokens).ToArray();
            mask[tokens + 2] = mask[tokens + 5] = 0f;
            for (int n = 0; n < tokens; n++) mask[2 * tokens + n] = 0f;
        }
        var (wantOut, wantLse, wantD) = RefAttention(qkv, dout, mask, batch, tokens, heads, dh, scale);

        using var qb = Up(qkv);
        using var ob = Poisoned(wantOut.Length);
        using var lb = Poisoned(wantLse.Length);
        using var mb = mask is null ? null : Up(mask);
        B.AttentionForward(qb, ob, lb, batch, tokens, heads, dh, scale, mb);
        Close(Down(ob), wantOut, 1e-5, 1e-4, "attention out");
        var lse = Down(lb);
        for (int i = 0; i < lse.Length; i++)
        {
            if (double.IsNegativeInfinity(wantLse[i])) Assert.True(float.IsNegativeInfinity(lse[i]), $"lse[{i}] = {lse[i]}");
            else Assert.True(Math.Abs(lse[i] - wantLse[i]) <= 1e-5 + 1e-5 * Math.Abs(wantLse[i]), $"lse[{i}] {lse[i]} vs {wantLse[i]}");
        }

        var d0 = Rand(qkv.Length, 82);
        using var db = Up(d0);
        B.AttentionBackward(qb, ob, lb, Up(dout), db, batch, tokens, heads, dh, scale, mb);
        Close(Added(Down(db), d0), wantD, 1e-5, 1e-4, "attention dqkv");
    }
}
