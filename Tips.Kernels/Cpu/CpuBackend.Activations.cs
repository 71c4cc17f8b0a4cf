namespace Tips.Kernels;

// Pointwise activations (formulas in ActivationMath) and SwiGLU: x (rows, 2 * hidden) = [gate | value], y (rows, hidden).
public sealed partial class CpuBackend
{
    public unsafe void ActivationForward(Activation kind, DeviceBuffer<float> x, DeviceBuffer<float> y)
    {
        var xb = Own(x);
        var yb = Need(y, xb.Length, nameof(ActivationForward), "y");
        CpuSimd.ForFlat((int)xb.Length, (i0, i1) =>
        {
            if (kind == Activation.Gelu)
            {
                fixed (float* px = &xb.Array[xb.Offset + i0], py = &yb.Array[yb.Offset + i0])
                    GeluSimd.Forward(px, py, i1 - i0);
                return;
            }
            var xs = xb.Array.AsSpan(xb.Offset + i0, i1 - i0);
            var ys = yb.Array.AsSpan(yb.Offset + i0, i1 - i0);
            // In place on y with the GEMM epilogue's vectorised formulas: the scalar loop was a large share of a training step.
            xs.CopyTo(ys);
            fixed (float* py = ys) GemmEpilogue.Apply(py, ys.Length, null, kind);
        });
    }

    public unsafe void ActivationBackward(Activation kind, DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx)
    {
        var xb = Own(x);
        var dyb = Need(dy, xb.Length, nameof(ActivationBackward), "dy");
        var dxb = Need(dx, xb.Length, nameof(ActivationBackward), "dx");
        CpuSimd.ForFlat((int)xb.Length, (i0, i1) =>
        {
            if (kind == Activation.Gelu)
            {
                fixed (float* px = &xb.Array[xb.Offset + i0], pdy = &dyb.Array[dyb.Offset + i0], pdx = &dxb.Array[dxb.Offset + i0])
                    GeluSimd.Accumulate(px, pdy, pdx, i1 - i0);
                return;
            }
            var xs = xb.Array.AsSpan(xb.Offset + i0, i1 - i0);
            var dys = dyb.Array.AsSpan(dyb.Offset + i0, i1 - i0);
            var dxs = dxb.Array.AsSpan(dxb.Offset + i0, i1 - i0);
            for (int i = 0; i < xs.Length; i++) dxs[i] += ActivationMath.Derivative(kind, xs[i]) * dys[i];
        });
    }

    public void SwiGluForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int hidden)
    {
        const string op = nameof(SwiGluForward);
        CpuRows.CheckDims(op, rows, hidden);
        var xb = Need(x, 2L * rows * hidden, op, "x");
        var yb = Need(y, (long)rows * hidden, op, "y");
        CpuRows.For(rows, 3L * hidden, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                var gate = xb.Array.AsSpan(xb.Offset + 2 * r * hidden, hidden);
                var value = xb.Array.AsSpan(xb.Offset + 2 * r * hidden + hidden, hidden);
                var ys = yb.Array.AsSpan(yb.Offset + r * hidden, hidden);
                for (int j = 0; j < hidden; j++) ys[j] = ActivationMath.Forward(Activation.Silu, gate[j]) * value[j];
            }
        });
    }

    public void SwiGluBackward(DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx, int rows, int hidden)
    {
        const string op = nameof(SwiGluBackward);
        CpuRows.CheckDims(op, rows, hidden);
        var xb = Need(x, 2L * rows * hidden, op, "x");
        var dyb = Need(dy, (long)rows * hidden, op, "dy");
        var dxb = Need(dx, 2L * rows * hidden, op, "dx");
        CpuRows.For(rows, 5L * hidden, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                var gate = xb.Array.AsSpan(xb.Offset + 2 * r * hidden, hidden);
                var value = xb.Array.AsSpan(xb.Offset + 2 * r * hidden + hidden, hidden);
                var dys = dyb.Array.AsSpan(dyb.Offset + r * hidden, hidden);
                var dgate = dxb.Array.AsSpan(dxb.Offset + 2 * r * hidden, hidden);
                var dvalue = dxb.Array.AsSpan(dxb.Offset + 2 * r * hidden + hidden, hidden);
                for (int j = 0; j < hidden; j++)
                {
                    dgate[j] += ActivationMath.Derivative(Activation.Silu, gate[j]) * value[j] * dys[j];
                    dvalue[j] += ActivationMath.Forward(Activation.Silu, gate[j]) * dys[j];
                }
            }
        });
    }
}
