namespace Tips.Kernels;

// Antialiased bilinear resize (PyTorch interpolate(mode='bilinear', antialias=True, align_corners=False)),
// channels-last: x (B, Hin, Win, C), y (B, Hout, Wout, C). Separable: the width pass runs first, as in PyTorch,
// into a (B, Hin, Wout, C) intermediate, then the height pass.
public sealed partial class CpuBackend
{
    public void ResizeForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int batch, int inH, int inW, int outH, int outW, int channels)
    {
        const string op = nameof(ResizeForward);
        CheckResize(op, batch, inH, inW, outH, outW, channels);
        var xb = Need(x, (long)batch * inH * inW * channels, op, "x");
        var yb = Need(y, (long)batch * outH * outW * channels, op, "y");
        var wx = ResizeWeights.For(inW, outW);
        var wy = ResizeWeights.For(inH, outH);
        int inRow = inW * channels, midRow = outW * channels;
        var mid = new float[(long)batch * inH * midRow];
        CpuRows.For(batch * inH, (long)midRow * wx.MaxTaps, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                var src = xb.Array.AsSpan(xb.Offset + r * inRow, inRow);
                var dst = mid.AsSpan(r * midRow, midRow);
                for (int i = 0; i < outW; i++)
                {
                    var o = dst.Slice(i * channels, channels);
                    o.Clear();
                    for (int t = 0; t < wx.Count[i]; t++)
                        CpuSimd.Axpy(wx.Weight[i * wx.MaxTaps + t], src.Slice((wx.Start[i] + t) * channels, channels), o);
                }
            }
        });
        CpuRows.For(batch * outH, (long)midRow * wy.MaxTaps, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                int b = r / outH, o = r % outH;
                var dst = yb.Array.AsSpan(yb.Offset + r * midRow, midRow);
                dst.Clear();
                for (int t = 0; t < wy.Count[o]; t++)
                    CpuSimd.Axpy(wy.Weight[o * wy.MaxTaps + t], mid.AsSpan((b * inH + wy.Start[o] + t) * midRow, midRow), dst);
            }
        });
    }

    public void ResizeBackward(DeviceBuffer<float> dy, DeviceBuffer<float> dx, int batch, int inH, int inW, int outH, int outW, int channels)
    {
        const string op = nameof(ResizeBackward);
        CheckResize(op, batch, inH, inW, outH, outW, channels);
        var dyb = Need(dy, (long)batch * outH * outW * channels, op, "dy");
        var dxb = Need(dx, (long)batch * inH * inW * channels, op, "dx");
        var wx = ResizeWeights.For(inW, outW);
        var wy = ResizeWeights.For(inH, outH);
        int inRow = inW * channels, midRow = outW * channels;
        var dmid = new float[(long)batch * inH * midRow];
        // Transpose of the height pass: output rows scatter into overlapping input rows, so images run in parallel.
        CpuRows.For(batch, (long)outH * midRow * wy.MaxTaps, (b0, b1) =>
        {
            for (int b = b0; b < b1; b++)
                for (int o = 0; o < outH; o++)
                {
                    var src = dyb.Array.AsSpan(dyb.Offset + (b * outH + o) * midRow, midRow);
                    for (int t = 0; t < wy.Count[o]; t++)
                        CpuSimd.Axpy(wy.Weight[o * wy.MaxTaps + t], src, dmid.AsSpan((b * inH + wy.Start[o] + t) * midRow, midRow));
                }
        });
        CpuRows.For(batch * inH, (long)midRow * wx.MaxTaps, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                var src = dmid.AsSpan(r * midRow, midRow);
                var dst = dxb.Array.AsSpan(dxb.Offset + r * inRow, inRow);
                for (int i = 0; i < outW; i++)
                    for (int t = 0; t < wx.Count[i]; t++)
                        CpuSimd.Axpy(wx.Weight[i * wx.MaxTaps + t], src.Slice(i * channels, channels), dst.Slice((wx.Start[i] + t) * channels, channels));
            }
        });
    }

    private static void CheckResize(string op, int batch, int inH, int inW, int outH, int outW, int channels)
    {
        CpuRows.CheckDims(op, batch, channels);
        if (inH <= 0 || inW <= 0 || outH <= 0 || outW <= 0)
            throw new BackendException($"{op}: sizes {inH}x{inW} -> {outH}x{outW} must be positive");
    }

    /// <summary>
    /// One axis of the antialiased bilinear filter (n inputs to m outputs): scale = n/m, support = max(scale, 1);
    /// output i covers inputs [lo, hi) around center = scale (i + 0.5) with triangle weights
    /// max(0, 1 - |(j - center + 0.5) / max(scale, 1)|), normalised to sum 1. Upsampling is plain bilinear.
    /// </summary>
    private sealed class ResizeWeights
    {
        public required int[] Start { get; init; }
        public required int[] Count { get; init; }
        /// <summary>(m, MaxTaps), row i holding Count[i] weights.</summary>
        public required float[] Weight { get; init; }
        public required int MaxTaps { get; init; }

        public static ResizeWeights For(int n, int m)
        {
            double scale = (double)n / m;
            double support = Math.Max(scale, 1.0);
            double inv = 1.0 / support;
            int maxTaps = (int)Math.Ceiling(support) * 2 + 1;
            var start = new int[m];
            var count = new int[m];
            var weight = new float[m * maxTaps];
            var w = new double[maxTaps];
            for (int i = 0; i < m; i++)
            {
                double center = scale * (i + 0.5);
                int lo = Math.Max((int)Math.Floor(center - support + 0.5), 0);
                int hi = Math.Min((int)Math.Floor(center + support + 0.5), n);
                double total = 0;
                for (int j = lo; j < hi; j++)
                {
                    w[j - lo] = Math.Max(0.0, 1.0 - Math.Abs((j - center + 0.5) * inv));
                    total += w[j - lo];
                }
                start[i] = lo;
                count[i] = hi - lo;
                for (int j = 0; j < hi - lo; j++) weight[i * maxTaps + j] = (float)(total > 0 ? w[j] / total : 0.0);
            }
            return new ResizeWeights { Start = start, Count = count, Weight = weight, MaxTaps = maxTaps };
        }
    }
}
