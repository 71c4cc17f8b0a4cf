using ILGPU;
using ILGPU.Algorithms;

namespace Tips.Kernels;

/// <summary>LayerNorm and L2 normalisation, one group per row (rows x cols, cols fastest).</summary>
internal static class NormKernels
{
    public static void LayerNormForward(ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> y, ArrayView<float> mean, ArrayView<float> rstd, int cols, float eps, int saveStats)
    {
        int r = Grid.IdxX;
        long o = (long)r * cols;
        float s = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX) s += x[o + c];
        float mu = GroupMath.Sum(s) / cols;
        // Two passes over the row: the one-pass E[x^2] - E[x]^2 cancels badly when |mean| >> std.
        float q = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX)
        {
            float d = x[o + c] - mu;
            q += d * d;
        }
        float rs = XMath.Rsqrt(GroupMath.Sum(q) / cols + eps);
        for (int c = Group.IdxX; c < cols; c += Group.DimX)
            y[o + c] = (x[o + c] - mu) * rs * gamma[c] + beta[c];
        if (saveStats != 0 && Group.IsFirstThread)
        {
            mean[r] = mu;
            rstd[r] = rs;
        }
    }

    /// <summary>dx += rstd * (g dy - mean(g dy) - xhat * mean(g dy xhat)), xhat = (x - mean) * rstd.</summary>
    public static void LayerNormBackward(ArrayView<float> dy, ArrayView<float> x, ArrayView<float> gamma,
        ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> dx, int cols)
    {
        int r = Grid.IdxX;
        long o = (long)r * cols;
        float mu = mean[r], rs = rstd[r];
        float a = 0f, b = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX)
        {
            float g = gamma[c] * dy[o + c];
            a += g;
            b += g * (x[o + c] - mu) * rs;
        }
        a = GroupMath.Sum(a) / cols;
        b = GroupMath.Sum(b) / cols;
        for (int c = Group.IdxX; c < cols; c += Group.DimX)
        {
            float xhat = (x[o + c] - mu) * rs;
            dx[o + c] += rs * (gamma[c] * dy[o + c] - a - xhat * b);
        }
    }

    /// <summary>dgamma[c] += sum dy * xhat, dbeta[c] += sum dy over a chunk of rows (Y), then atomically.</summary>
    public static void LayerNormParamGrads(Index2D i, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> mean,
        ArrayView<float> rstd, ArrayView<float> dgamma, ArrayView<float> dbeta, int rows, int cols, int chunk)
    {
        int r0 = i.Y * chunk;
        int r1 = XMath.Min(rows, r0 + chunk);
        float g = 0f, b = 0f;
        for (int r = r0; r < r1; r++)
        {
            long at = (long)r * cols + i.X;
            g += dy[at] * (x[at] - mean[r]) * rstd[r];
            b += dy[at];
        }
        Atomic.Add(ref dgamma[i.X], g);
        Atomic.Add(ref dbeta[i.X], b);
    }

    public static void L2NormalizeForward(ArrayView<float> x, ArrayView<float> y, ArrayView<float> norms,
        int cols, float eps, int saveNorms)
    {
        int r = Grid.IdxX;
        long o = (long)r * cols;
        float q = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX) q += x[o + c] * x[o + c];
        float norm = XMath.Sqrt(GroupMath.Sum(q));
        float inv = 1f / XMath.Max(norm, eps);
        for (int c = Group.IdxX; c < cols; c += Group.DimX) y[o + c] = x[o + c] * inv;
        if (saveNorms != 0 && Group.IsFirstThread) norms[r] = norm;
    }

    /// <summary>Above eps: dx += (dy - y (y . dy)) / |x|; at or below it y = x / eps is linear: dx += dy / eps.</summary>
    public static void L2NormalizeBackward(ArrayView<float> y, ArrayView<float> norms, ArrayView<float> dy,
        ArrayView<float> dx, int cols, float eps)
    {
        int r = Grid.IdxX;
        long o = (long)r * cols;
        float norm = norms[r];
        float d = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX) d += y[o + c] * dy[o + c];
        d = GroupMath.Sum(d);
        if (norm > eps)
        {
            float inv = 1f / norm;
            for (int c = Group.IdxX; c < cols; c += Group.DimX) dx[o + c] += (dy[o + c] - y[o + c] * d) * inv;
        }
        else
        {
            float inv = 1f / eps;
            for (int c = Group.IdxX; c < cols; c += Group.DimX) dx[o + c] += dy[o + c] * inv;
        }
    }
}
