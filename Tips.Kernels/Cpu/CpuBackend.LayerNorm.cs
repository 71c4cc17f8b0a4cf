namespace Tips.Kernels;

// LayerNorm over the last dimension: x, y, dy, dx (rows, cols); gamma, beta (cols); mean, rstd (rows).
public sealed partial class CpuBackend
{
    public void LayerNormForward(DeviceBuffer<float> x, DeviceBuffer<float> gamma, DeviceBuffer<float> beta,
        DeviceBuffer<float> y, DeviceBuffer<float>? mean, DeviceBuffer<float>? rstd, int rows, int cols, float eps)
    {
        const string op = nameof(LayerNormForward);
        CpuRows.CheckDims(op, rows, cols);
        var xb = Need(x, (long)rows * cols, op, "x");
        var gb = Need(gamma, cols, op, "gamma");
        var bb = Need(beta, cols, op, "beta");
        var yb = Need(y, (long)rows * cols, op, "y");
        var mb = mean is null ? null : Need(mean, rows, op, "mean");
        var rb = rstd is null ? null : Need(rstd, rows, op, "rstd");
        CpuRows.For(rows, cols, (r0, r1) =>
        {
            var g = gb.Array.AsSpan(gb.Offset, cols);
            var be = bb.Array.AsSpan(bb.Offset, cols);
            for (int r = r0; r < r1; r++)
            {
                var xs = xb.Array.AsSpan(xb.Offset + r * cols, cols);
                var ys = yb.Array.AsSpan(yb.Offset + r * cols, cols);
                // Two passes over the (cached) row: the shifted variance avoids E[x^2] - E[x]^2 cancellation.
                float mu = CpuSimd.Sum(xs) / cols;
                float var = CpuSimd.SumSquaredDeviation(xs, mu) / cols;
                float rs = 1f / MathF.Sqrt(var + eps);
                CpuSimd.Normalize(xs, mu, rs, g, be, ys);
                if (mb is not null) mb.Array[mb.Offset + r] = mu;
                if (rb is not null) rb.Array[rb.Offset + r] = rs;
            }
        });
    }

    public void LayerNormBackward(DeviceBuffer<float> dy, DeviceBuffer<float> x, DeviceBuffer<float> gamma,
        DeviceBuffer<float> mean, DeviceBuffer<float> rstd,
        DeviceBuffer<float> dx, DeviceBuffer<float> dgamma, DeviceBuffer<float> dbeta, int rows, int cols)
    {
        const string op = nameof(LayerNormBackward);
        CpuRows.CheckDims(op, rows, cols);
        var dyb = Need(dy, (long)rows * cols, op, "dy");
        var xb = Need(x, (long)rows * cols, op, "x");
        var gb = Need(gamma, cols, op, "gamma");
        var mb = Need(mean, rows, op, "mean");
        var rb = Need(rstd, rows, op, "rstd");
        var dxb = Need(dx, (long)rows * cols, op, "dx");
        var dgb = Need(dgamma, cols, op, "dgamma");
        var dbb = Need(dbeta, cols, op, "dbeta");
        int chunks = CpuRows.ChunkCount(rows, cols);
        // Per-chunk partial sums of dgamma and dbeta, reduced in chunk order: deterministic for a given thread count.
        var partG = new float[chunks * cols];
        var partB = new float[chunks * cols];
        CpuRows.ForChunks(rows, cols, (chunk, r0, r1) =>
        {
            var g = gb.Array.AsSpan(gb.Offset, cols);
            var pg = partG.AsSpan(chunk * cols, cols);
            var pb = partB.AsSpan(chunk * cols, cols);
            var xhat = new float[cols];
            var gdy = new float[cols];
            for (int r = r0; r < r1; r++)
            {
                var xs = xb.Array.AsSpan(xb.Offset + r * cols, cols);
                var dys = dyb.Array.AsSpan(dyb.Offset + r * cols, cols);
                var dxs = dxb.Array.AsSpan(dxb.Offset + r * cols, cols);
                float mu = mb.Array[mb.Offset + r];
                float rs = rb.Array[rb.Offset + r];
                float sumG = 0f, sumGX = 0f;
                for (int c = 0; c < cols; c++)
                {
                    float xh = (xs[c] - mu) * rs;
                    float gd = dys[c] * g[c];
                    xhat[c] = xh;
                    gdy[c] = gd;
                    sumG += gd;
                    sumGX += gd * xh;
                    pg[c] += dys[c] * xh;
                    pb[c] += dys[c];
                }
                float meanG = sumG / cols, meanGX = sumGX / cols;
                for (int c = 0; c < cols; c++)
                    dxs[c] += rs * (gdy[c] - meanG - xhat[c] * meanGX);
            }
        });
        var dgs = dgb.Array.AsSpan(dgb.Offset, cols);
        var dbs = dbb.Array.AsSpan(dbb.Offset, cols);
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            CpuSimd.Axpy(1f, partG.AsSpan(chunk * cols, cols), dgs);
            CpuSimd.Axpy(1f, partB.AsSpan(chunk * cols, cols), dbs);
        }
    }
}
