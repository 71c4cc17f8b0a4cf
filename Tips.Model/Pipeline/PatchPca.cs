using Tips.Model.Towers;

namespace Tips.Model;

/// <summary>How PCA scores become colours: sigmoid(2 z) of the standardised scores, or min-max to [0, 1].</summary>
public enum PcaColor { Sigmoid, MinMax }

/// <summary>One image's PCA colours at patch resolution: (h, w, 3) in [0, 1].</summary>
public sealed record PcaMap(float[] Rgb, int GridHeight, int GridWidth)
{
    /// <summary>Nearest-neighbour upsampling to height x width pixels.</summary>
    public Images.RgbImage Upsample(int height, int width)
    {
        var pixels = new float[height * width * 3];
        for (int y = 0; y < height; y++)
        {
            int gy = (int)((long)y * GridHeight / height);
            for (int x = 0; x < width; x++)
            {
                int gx = (int)((long)x * GridWidth / width);
                Array.Copy(Rgb, (gy * GridWidth + gx) * 3, pixels, (y * width + x) * 3, 3);
            }
        }
        return new Images.RgbImage(height, width, pixels);
    }
}

/// <summary>The maps, and the three principal axes (3, D) with their variances, largest first.</summary>
public sealed record PcaResult(IReadOnlyList<PcaMap> Maps, double[] Components, double[] Variances);

/// <summary>3-component PCA of patch tokens fitted across all given images (tips-model.md "PCA maps").</summary>
public static class PatchPca
{
    private const int Components = 3, MaxIterations = 2000;

    public static PcaResult Fit(IReadOnlyList<ImageFeatures> images, PcaColor color)
    {
        if (images.Count == 0) throw new TipsException("PCA needs at least one image");
        int d = images[0].Width;
        var rows = new List<(float[] Data, int Offset)>();
        foreach (var f in images)
            for (int b = 0; b < f.Batch; b++)
                for (int t = 0; t < f.GridHeight * f.GridWidth; t++) rows.Add((f.PatchTokens, (b * f.GridHeight * f.GridWidth + t) * d));
        int n = rows.Count;
        var mean = new double[d];
        foreach (var (data, o) in rows)
            for (int k = 0; k < d; k++) mean[k] += data[o + k] / (double)n;
        var cov = new double[d * d];
        var centered = new double[d];
        foreach (var (data, o) in rows)
        {
            for (int k = 0; k < d; k++) centered[k] = data[o + k] - mean[k];
            for (int i = 0; i < d; i++)
            {
                double ci = centered[i];
                for (int j = i; j < d; j++) cov[i * d + j] += ci * centered[j];
            }
        }
        for (int i = 0; i < d; i++)
            for (int j = i; j < d; j++) cov[j * d + i] = cov[i * d + j] /= n;

        var (axes, variances) = TopEigenvectors(cov, d, Math.Min(Components, d));
        var scores = new double[n * Components];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < axes.Length / d; c++)
            {
                double s = 0;
                for (int k = 0; k < d; k++) s += (rows[r].Data[rows[r].Offset + k] - mean[k]) * axes[c * d + k];
                scores[r * Components + c] = s;
            }
        var colors = Colorize(scores, n, color);
        var maps = new List<PcaMap>();
        int at = 0;
        foreach (var f in images)
            for (int b = 0; b < f.Batch; b++)
            {
                int count = f.GridHeight * f.GridWidth;
                maps.Add(new PcaMap(colors.AsSpan(at * 3, count * 3).ToArray(), f.GridHeight, f.GridWidth));
                at += count;
            }
        return new PcaResult(maps, axes, variances);
    }

    /// <summary>
    /// Orthogonal (subspace) iteration on the symmetric covariance, Gram-Schmidt each step. Each axis's sign is
    /// fixed so that its largest-magnitude entry is positive, which makes the colours deterministic.
    /// </summary>
    private static (double[] Axes, double[] Variances) TopEigenvectors(double[] cov, int d, int k)
    {
        var q = new double[k * d];
        for (int c = 0; c < k; c++)
            for (int i = 0; i < d; i++) q[c * d + i] = Math.Cos(0.7 * (c + 1) * (i + 1)) + (i == c ? 1 : 0);
        Orthonormalize(q, d, k);
        var z = new double[k * d];
        for (int iter = 0; iter < MaxIterations; iter++)
        {
            Array.Clear(z);
            for (int c = 0; c < k; c++)
                for (int i = 0; i < d; i++)
                {
                    double s = 0;
                    for (int j = 0; j < d; j++) s += cov[i * d + j] * q[c * d + j];
                    z[c * d + i] = s;
                }
            Orthonormalize(z, d, k);
            double change = 0;
            for (int i = 0; i < z.Length; i++) change = Math.Max(change, Math.Abs(Math.Abs(z[i]) - Math.Abs(q[i])));
            (q, z) = (z, q);
            if (change < 1e-12) break;
        }
        var variances = new double[k];
        for (int c = 0; c < k; c++)
        {
            int arg = 0;
            for (int i = 1; i < d; i++) if (Math.Abs(q[c * d + i]) > Math.Abs(q[c * d + arg])) arg = i;
            if (q[c * d + arg] < 0) for (int i = 0; i < d; i++) q[c * d + i] = -q[c * d + i];
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) variances[c] += q[c * d + i] * cov[i * d + j] * q[c * d + j];
        }
        return (q, variances);
    }

    private static void Orthonormalize(double[] v, int d, int k)
    {
        for (int c = 0; c < k; c++)
        {
            for (int prev = 0; prev < c; prev++)
            {
                double dot = 0;
                for (int i = 0; i < d; i++) dot += v[c * d + i] * v[prev * d + i];
                for (int i = 0; i < d; i++) v[c * d + i] -= dot * v[prev * d + i];
            }
            double norm = 0;
            for (int i = 0; i < d; i++) norm += v[c * d + i] * v[c * d + i];
            norm = Math.Sqrt(norm);
            // A rank-deficient covariance leaves a zero axis: keep it zero (its scores are all 0).
            double inv = norm > 1e-150 ? 1 / norm : 0;
            for (int i = 0; i < d; i++) v[c * d + i] *= inv;
        }
    }

    private static float[] Colorize(double[] scores, int n, PcaColor color)
    {
        var rgb = new float[n * 3];
        for (int c = 0; c < Components; c++)
        {
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity, ss = 0;
            for (int r = 0; r < n; r++)
            {
                double s = scores[r * Components + c];
                lo = Math.Min(lo, s);
                hi = Math.Max(hi, s);
                ss += s * s;
            }
            // Scores are centred (the mean was removed before projecting), so the std is sqrt(mean of squares).
            double std = Math.Sqrt(ss / n);
            for (int r = 0; r < n; r++)
            {
                double s = scores[r * Components + c];
                rgb[r * 3 + c] = (float)(color == PcaColor.Sigmoid
                    ? 1 / (1 + Math.Exp(-2 * (std > 0 ? s / std : 0)))
                    : hi > lo ? (s - lo) / (hi - lo) : 0.5);
            }
        }
        return rgb;
    }
}
