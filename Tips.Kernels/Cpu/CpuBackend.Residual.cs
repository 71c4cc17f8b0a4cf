namespace Tips.Kernels;

// Residual add with optional layer scale: x, residual, dy, dresidual (rows, cols); gamma, dgamma (cols).
public sealed partial class CpuBackend
{
    public void ScaledResidualForward(DeviceBuffer<float> x, DeviceBuffer<float> residual, DeviceBuffer<float>? gamma, int rows, int cols)
    {
        const string op = nameof(ScaledResidualForward);
        CpuRows.CheckDims(op, rows, cols);
        var xb = Need(x, (long)rows * cols, op, "x");
        var rb = Need(residual, (long)rows * cols, op, "residual");
        var gb = gamma is null ? null : Need(gamma, cols, op, "gamma");
        CpuRows.For(rows, cols, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                var xs = xb.Array.AsSpan(xb.Offset + r * cols, cols);
                var rs = rb.Array.AsSpan(rb.Offset + r * cols, cols);
                if (gb is null)
                {
                    CpuSimd.Axpy(1f, rs, xs);
                    continue;
                }
                CpuSimd.MultiplyAdd(gb.Array.AsSpan(gb.Offset, cols), rs, xs);
            }
        });
    }

    public void ScaledResidualBackward(DeviceBuffer<float> dy, DeviceBuffer<float> residual, DeviceBuffer<float>? gamma,
        DeviceBuffer<float> dresidual, DeviceBuffer<float>? dgamma, int rows, int cols)
    {
        const string op = nameof(ScaledResidualBackward);
        CpuRows.CheckDims(op, rows, cols);
        var dyb = Need(dy, (long)rows * cols, op, "dy");
        var rb = Need(residual, (long)rows * cols, op, "residual");
        var gb = gamma is null ? null : Need(gamma, cols, op, "gamma");
        var drb = Need(dresidual, (long)rows * cols, op, "dresidual");
        var dgb = gamma is null || dgamma is null ? null : Need(dgamma, cols, op, "dgamma");
        int chunks = CpuRows.ChunkCount(rows, cols);
        var part = dgb is null ? null : new float[chunks * cols];
        CpuRows.ForChunks(rows, cols, (chunk, r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                var dys = dyb.Array.AsSpan(dyb.Offset + r * cols, cols);
                var drs = drb.Array.AsSpan(drb.Offset + r * cols, cols);
                if (gb is null)
                {
                    CpuSimd.Axpy(1f, dys, drs);
                    continue;
                }
                CpuSimd.MultiplyAdd(gb.Array.AsSpan(gb.Offset, cols), dys, drs);
                if (part is null) continue;
                CpuSimd.MultiplyAdd(dys, rb.Array.AsSpan(rb.Offset + r * cols, cols), part.AsSpan(chunk * cols, cols));
            }
        });
        if (part is null) return;
        var dgs = dgb!.Array.AsSpan(dgb.Offset, cols);
        for (int chunk = 0; chunk < chunks; chunk++) CpuSimd.Axpy(1f, part.AsSpan(chunk * cols, cols), dgs);
    }
}
