namespace Tips.Model.Images;

/// <summary>Resampling kernels of PIL's resize.</summary>
public enum ResizeFilter
{
    /// <summary>Triangle filter, support 1 (PIL BILINEAR; antialiased when downscaling).</summary>
    Bilinear,

    /// <summary>Cubic convolution with a = -0.5, support 2 (PIL BICUBIC; antialiased when downscaling).</summary>
    Bicubic,
}

/// <summary>
/// The separable weights of PIL's resample (precompute_coeffs): when downscaling by s the filter is stretched by s
/// (antialiasing). For output i: center = s*(i+0.5), taps j in [lo, hi) with lo = max(floor(center - support + 0.5), 0),
/// hi = min(floor(center + support + 0.5), n), w_j = filter((j - center + 0.5) / max(s, 1)), normalised to sum 1.
/// For bilinear this is exactly the spec's antialiased bilinear (tips-model.md, image tower step 4).
/// </summary>
public sealed class ResampleWeights
{
    /// <summary>First input index of each output.</summary>
    public int[] Start { get; }

    /// <summary>Number of taps of each output.</summary>
    public int[] Count { get; }

    /// <summary>Output i's weights at [i * Stride, i * Stride + Count[i]).</summary>
    public double[] Weights { get; }

    public int Stride { get; }

    public ResampleWeights(int inSize, int outSize, ResizeFilter filter)
    {
        if (inSize <= 0 || outSize <= 0) throw new TipsException($"resize sizes must be positive, got {inSize} -> {outSize}");
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = (filter == ResizeFilter.Bicubic ? 2.0 : 1.0) * filterScale;
        Stride = (int)Math.Ceiling(support) * 2 + 1;
        Start = new int[outSize];
        Count = new int[outSize];
        Weights = new double[outSize * Stride];
        double inv = 1.0 / filterScale;
        for (int i = 0; i < outSize; i++)
        {
            double center = scale * (i + 0.5);
            int lo = Math.Max((int)Math.Floor(center - support + 0.5), 0);
            int hi = Math.Min((int)Math.Floor(center + support + 0.5), inSize);
            double sum = 0;
            for (int j = lo; j < hi; j++)
            {
                double w = Kernel(filter, (j - center + 0.5) * inv);
                Weights[i * Stride + j - lo] = w;
                sum += w;
            }
            if (sum != 0)
                for (int j = lo; j < hi; j++) Weights[i * Stride + j - lo] /= sum;
            Start[i] = lo;
            Count[i] = hi - lo;
        }
    }

    private static double Kernel(ResizeFilter filter, double x)
    {
        x = Math.Abs(x);
        if (filter == ResizeFilter.Bilinear) return x < 1 ? 1 - x : 0;
        const double a = -0.5;
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }
}
