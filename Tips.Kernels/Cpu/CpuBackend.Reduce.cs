using System.Numerics;

namespace Tips.Kernels;

// SumRows / BroadcastRows: bias gradients and their backward. x and dx are (batch, rows, cols); y and dy (batch, cols).
public sealed partial class CpuBackend
{
    public void SumRows(DeviceBuffer<float> x, DeviceBuffer<float> y, int batch, int rows, int cols, float alpha, float beta)
    {
        CheckRows(nameof(SumRows), x.Length, y.Length, batch, rows, cols);
        var xs = Own(x).Span;
        var ys = Own(y).Span;
        for (int b = 0; b < batch; b++)
        {
            var acc = ys.Slice(b * cols, cols);
            // beta == 0 overwrites, so a stale NaN in y does not leak into a fresh gradient.
            if (beta == 0f) acc.Clear();
            else if (beta != 1f) ScaleSpan(acc, beta);
            for (int r = 0; r < rows; r++)
                AxpySpan(alpha, xs.Slice((b * rows + r) * cols, cols), acc);
        }
    }

    public void BroadcastRows(DeviceBuffer<float> dy, DeviceBuffer<float> dx, int batch, int rows, int cols, float alpha)
    {
        CheckRows(nameof(BroadcastRows), dx.Length, dy.Length, batch, rows, cols);
        var dys = Own(dy).Span;
        var dxs = Own(dx).Span;
        for (int b = 0; b < batch; b++)
        {
            var v = dys.Slice(b * cols, cols);
            for (int r = 0; r < rows; r++)
                AxpySpan(alpha, v, dxs.Slice((b * rows + r) * cols, cols));
        }
    }

    private static void CheckRows(string op, long fullLength, long reducedLength, int batch, int rows, int cols)
    {
        if (batch < 0 || rows < 0 || cols < 0)
            throw new BackendException($"{op}: negative size (batch {batch}, rows {rows}, cols {cols})");
        if ((long)batch * rows * cols > fullLength || (long)batch * cols > reducedLength)
            throw new BackendException($"{op}: buffers of {fullLength} and {reducedLength} elements are too small for ({batch}, {rows}, {cols})");
    }

    private static void ScaleSpan(Span<float> x, float alpha)
    {
        int i = 0;
        var va = new Vector<float>(alpha);
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            (new Vector<float>(x[i..]) * va).CopyTo(x[i..]);
        for (; i < x.Length; i++) x[i] *= alpha;
    }

    private static void AxpySpan(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        var va = new Vector<float>(alpha);
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            Vector.FusedMultiplyAdd(new Vector<float>(x[i..]), va, new Vector<float>(y[i..])).CopyTo(y[i..]);
        for (; i < x.Length; i++) y[i] = MathF.FusedMultiplyAdd(alpha, x[i], y[i]);
    }
}
