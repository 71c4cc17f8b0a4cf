namespace Tips.Tests.Reference;

/// <summary>
/// Float64 antialiased bilinear resize as dense per-axis matrices (tips-model.md step 4): y = Rh x Rw^T per channel,
/// channels-last (B, H, W, C). The backward applies the transposes.
/// </summary>
public static class RefResize
{
    /// <summary>The (m, n) matrix resizing one axis from n to m samples.</summary>
    public static double[,] AxisMatrix(int n, int m)
    {
        var r = new double[m, n];
        double scale = (double)n / m;
        double support = Math.Max(scale, 1);
        double inv = 1 / Math.Max(scale, 1);
        for (int i = 0; i < m; i++)
        {
            double center = scale * (i + 0.5);
            int lo = Math.Max((int)Math.Floor(center - support + 0.5), 0);
            int hi = Math.Min((int)Math.Floor(center + support + 0.5), n);
            double total = 0;
            for (int j = lo; j < hi; j++) total += Math.Max(0, 1 - Math.Abs((j - center + 0.5) * inv));
            for (int j = lo; j < hi; j++) r[i, j] = Math.Max(0, 1 - Math.Abs((j - center + 0.5) * inv)) / total;
        }
        return r;
    }

    public static double[] Forward(double[] x, int batch, int inH, int inW, int outH, int outW, int channels)
    {
        var rh = AxisMatrix(inH, outH);
        var rw = AxisMatrix(inW, outW);
        var y = new double[batch * outH * outW * channels];
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                    for (int c = 0; c < channels; c++)
                    {
                        double sum = 0;
                        for (int iy = 0; iy < inH; iy++)
                            for (int ix = 0; ix < inW; ix++)
                                sum += rh[oy, iy] * rw[ox, ix] * x[((b * inH + iy) * inW + ix) * channels + c];
                        y[((b * outH + oy) * outW + ox) * channels + c] = sum;
                    }
        return y;
    }

    public static double[] Backward(double[] dy, int batch, int inH, int inW, int outH, int outW, int channels)
    {
        var rh = AxisMatrix(inH, outH);
        var rw = AxisMatrix(inW, outW);
        var dx = new double[batch * inH * inW * channels];
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                    for (int c = 0; c < channels; c++)
                        for (int iy = 0; iy < inH; iy++)
                            for (int ix = 0; ix < inW; ix++)
                                dx[((b * inH + iy) * inW + ix) * channels + c] += rh[oy, iy] * rw[ox, ix] * dy[((b * outH + oy) * outW + ox) * channels + c];
        return dx;
    }
}
