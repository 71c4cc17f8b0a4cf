namespace Tips.Tests.Reference;

/// <summary>
/// Float64 multi-head attention, composed from full matrices per (batch, head): S = scale Q K^T with masked keys
/// at -inf, P = softmax(S), O = P V. qkv (B, N, 3, H, Dh); out (B, N, H * Dh); lse (B, H, N); keyMask (B, N), 1 = valid.
/// A query whose keys are all masked outputs zeros with lse = -inf.
/// </summary>
public static class RefAttention
{
    private static int QkvIndex(int n, int h, int dh, int which, int b, int i, int head, int d) =>
        (((b * n + i) * 3 + which) * h + head) * dh + d;

    private static bool Valid(double[]? keyMask, int n, int b, int j) => keyMask is null || keyMask[b * n + j] != 0;

    /// <summary>P (N, N) for one (b, head); rows with no valid key are all zero. Also returns lse per query.</summary>
    private static (double[,] P, double[] Lse) Probabilities(double[] qkv, int b, int head, int n, int h, int dh, double scale, double[]? keyMask)
    {
        var p = new double[n, n];
        var lse = new double[n];
        for (int i = 0; i < n; i++)
        {
            var s = new double[n];
            double max = double.NegativeInfinity;
            for (int j = 0; j < n; j++)
            {
                if (!Valid(keyMask, n, b, j)) continue;
                double dot = 0;
                for (int d = 0; d < dh; d++)
                    dot += qkv[QkvIndex(n, h, dh, 0, b, i, head, d)] * qkv[QkvIndex(n, h, dh, 1, b, j, head, d)];
                s[j] = scale * dot;
                max = Math.Max(max, s[j]);
            }
            if (double.IsNegativeInfinity(max))
            {
                lse[i] = double.NegativeInfinity;
                continue;
            }
            double sum = 0;
            for (int j = 0; j < n; j++)
                if (Valid(keyMask, n, b, j)) sum += Math.Exp(s[j] - max);
            for (int j = 0; j < n; j++)
                if (Valid(keyMask, n, b, j)) p[i, j] = Math.Exp(s[j] - max) / sum;
            lse[i] = max + Math.Log(sum);
        }
        return (p, lse);
    }

    public static (double[] Out, double[] Lse) Forward(double[] qkv, int batch, int n, int h, int dh, double scale, double[]? keyMask)
    {
        var output = new double[batch * n * h * dh];
        var lse = new double[batch * h * n];
        for (int b = 0; b < batch; b++)
            for (int head = 0; head < h; head++)
            {
                var (p, l) = Probabilities(qkv, b, head, n, h, dh, scale, keyMask);
                for (int i = 0; i < n; i++)
                {
                    lse[(b * h + head) * n + i] = l[i];
                    for (int d = 0; d < dh; d++)
                    {
                        double o = 0;
                        for (int j = 0; j < n; j++) o += p[i, j] * qkv[QkvIndex(n, h, dh, 2, b, j, head, d)];
                        output[((b * n + i) * h + head) * dh + d] = o;
                    }
                }
            }
        return (output, lse);
    }

    /// <summary>Gradient of sum(out * dout) with respect to qkv: dV = P^T dO, dS = P o (dO V^T - rowsum(P o dO V^T)).</summary>
    public static double[] Backward(double[] qkv, double[] dout, int batch, int n, int h, int dh, double scale, double[]? keyMask)
    {
        var dqkv = new double[qkv.Length];
        for (int b = 0; b < batch; b++)
            for (int head = 0; head < h; head++)
            {
                var (p, _) = Probabilities(qkv, b, head, n, h, dh, scale, keyMask);
                var dp = new double[n, n];
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++)
                        for (int d = 0; d < dh; d++)
                            dp[i, j] += dout[((b * n + i) * h + head) * dh + d] * qkv[QkvIndex(n, h, dh, 2, b, j, head, d)];
                var ds = new double[n, n];
                for (int i = 0; i < n; i++)
                {
                    double rowDot = 0;
                    for (int j = 0; j < n; j++) rowDot += p[i, j] * dp[i, j];
                    for (int j = 0; j < n; j++) ds[i, j] = p[i, j] * (dp[i, j] - rowDot);
                }
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++)
                        for (int d = 0; d < dh; d++)
                        {
                            dqkv[QkvIndex(n, h, dh, 0, b, i, head, d)] += scale * ds[i, j] * qkv[QkvIndex(n, h, dh, 1, b, j, head, d)];
                            dqkv[QkvIndex(n, h, dh, 1, b, j, head, d)] += scale * ds[i, j] * qkv[QkvIndex(n, h, dh, 0, b, i, head, d)];
                            dqkv[QkvIndex(n, h, dh, 2, b, j, head, d)] += p[i, j] * dout[((b * n + i) * h + head) * dh + d];
                        }
            }
        return dqkv;
    }
}
