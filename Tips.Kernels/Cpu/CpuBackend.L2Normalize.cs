namespace Tips.Kernels;

// Row-wise L2 normalisation (F.normalize(x, dim=-1, eps)): x, y, dy, dx (rows, cols); norms (rows).
public sealed partial class CpuBackend
{
    public void L2NormalizeForward(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<float>? norms, int rows, int cols, float eps)
    {
        const string op = nameof(L2NormalizeForward);
        CpuRows.CheckDims(op, rows, cols);
        var xb = Need(x, (long)rows * cols, op, "x");
        var yb = Need(y, (long)rows * cols, op, "y");
        var nb = norms is null ? null : Need(norms, rows, op, "norms");
        CpuRows.For(rows, cols, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                var xs = xb.Array.AsSpan(xb.Offset + r * cols, cols);
                var ys = yb.Array.AsSpan(yb.Offset + r * cols, cols);
                float norm = MathF.Sqrt(CpuSimd.Dot(xs, xs));
                float inv = 1f / MathF.Max(norm, eps);
                for (int c = 0; c < cols; c++) ys[c] = xs[c] * inv;
                if (nb is not null) nb.Array[nb.Offset + r] = norm;
            }
        });
    }

    public void L2NormalizeBackward(DeviceBuffer<float> y, DeviceBuffer<float> norms, DeviceBuffer<float> dy,
        DeviceBuffer<float> dx, int rows, int cols, float eps)
    {
        const string op = nameof(L2NormalizeBackward);
        CpuRows.CheckDims(op, rows, cols);
        var yb = Need(y, (long)rows * cols, op, "y");
        var nb = Need(norms, rows, op, "norms");
        var dyb = Need(dy, (long)rows * cols, op, "dy");
        var dxb = Need(dx, (long)rows * cols, op, "dx");
        CpuRows.For(rows, cols, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                var ys = yb.Array.AsSpan(yb.Offset + r * cols, cols);
                var dys = dyb.Array.AsSpan(dyb.Offset + r * cols, cols);
                var dxs = dxb.Array.AsSpan(dxb.Offset + r * cols, cols);
                float norm = nb.Array[nb.Offset + r];
                if (norm > eps)
                {
                    // d(x/|x|) = (dy - y (y . dy)) / |x|
                    float inv = 1f / norm;
                    float yd = CpuSimd.Dot(ys, dys);
                    for (int c = 0; c < cols; c++) dxs[c] += (dys[c] - ys[c] * yd) * inv;
                }
                else
                {
                    // The clamped denominator eps is a constant: y = x / eps.
                    CpuSimd.Axpy(1f / eps, dys, dxs);
                }
            }
        });
    }
}
