namespace Tips.Kernels;

// Elementwise ops and data movement. Memory-bound: Vector<T> loops, row ranges in parallel when large.
public sealed partial class CpuBackend
{
    public void Fill(DeviceBuffer<float> x, float value) => Own(x).Span.Fill(value);

    public void Copy(DeviceBuffer<float> src, DeviceBuffer<float> dst)
    {
        var s = Own(src);
        var d = Own(dst);
        if (s.Length != d.Length)
            throw new BackendException($"Copy: source has {s.Length} elements, destination {d.Length}");
        s.Span.CopyTo(d.Span);
    }

    public void Copy2D(DeviceBuffer<float> src, int srcLd, DeviceBuffer<float> dst, int dstLd, int rows, int cols)
    {
        CpuRows.CheckDims(nameof(Copy2D), rows, cols);
        if (rows == 0 || cols == 0) return;
        if (srcLd < cols || dstLd < cols)
            throw new BackendException($"Copy2D: leading dimensions {srcLd}, {dstLd} smaller than {cols} columns");
        var s = Need(src, (long)(rows - 1) * srcLd + cols, nameof(Copy2D), "src");
        var d = Need(dst, (long)(rows - 1) * dstLd + cols, nameof(Copy2D), "dst");
        CpuRows.For(rows, cols, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
                s.Array.AsSpan(s.Offset + r * srcLd, cols).CopyTo(d.Array.AsSpan(d.Offset + r * dstLd, cols));
        });
    }

    public void Axpy(float alpha, DeviceBuffer<float> x, DeviceBuffer<float> y)
    {
        var xb = Own(x);
        var yb = Own(y);
        if (xb.Length != yb.Length)
            throw new BackendException($"Axpy: x has {xb.Length} elements, y {yb.Length}");
        CpuSimd.ForFlat((int)xb.Length, (i0, i1) => CpuSimd.Axpy(alpha, xb.Array.AsSpan(xb.Offset + i0, i1 - i0), yb.Array.AsSpan(yb.Offset + i0, i1 - i0)));
    }

    public void Scale(DeviceBuffer<float> x, float alpha)
    {
        var xb = Own(x);
        CpuSimd.ForFlat((int)xb.Length, (i0, i1) => CpuSimd.Scale(xb.Array.AsSpan(xb.Offset + i0, i1 - i0), alpha));
    }

    public void AddRowVector(DeviceBuffer<float> x, DeviceBuffer<float> v, int rows, int cols, float alpha)
    {
        CpuRows.CheckDims(nameof(AddRowVector), rows, cols);
        var xb = Need(x, (long)rows * cols, nameof(AddRowVector), "x");
        var vb = Need(v, cols, nameof(AddRowVector), "v");
        CpuRows.For(rows, cols, (r0, r1) =>
        {
            var vs = vb.Array.AsSpan(vb.Offset, cols);
            for (int r = r0; r < r1; r++)
                CpuSimd.Axpy(alpha, vs, xb.Array.AsSpan(xb.Offset + r * cols, cols));
        });
    }

    public void RowScaleForward(DeviceBuffer<float> x, DeviceBuffer<float> s, DeviceBuffer<float> y, int rows, int cols)
    {
        CpuRows.CheckDims(nameof(RowScaleForward), rows, cols);
        var xb = Need(x, (long)rows * cols, nameof(RowScaleForward), "x");
        var sb = Need(s, rows, nameof(RowScaleForward), "s");
        var yb = Need(y, (long)rows * cols, nameof(RowScaleForward), "y");
        CpuRows.For(rows, cols, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                CpuSimd.Scaled(xb.Array.AsSpan(xb.Offset + r * cols, cols), sb.Array[sb.Offset + r], yb.Array.AsSpan(yb.Offset + r * cols, cols));
            }
        });
    }

    public void RowScaleBackward(DeviceBuffer<float> x, DeviceBuffer<float> s, DeviceBuffer<float> dy,
        DeviceBuffer<float> dx, DeviceBuffer<float>? ds, int rows, int cols)
    {
        CpuRows.CheckDims(nameof(RowScaleBackward), rows, cols);
        var xb = Need(x, (long)rows * cols, nameof(RowScaleBackward), "x");
        var sb = Need(s, rows, nameof(RowScaleBackward), "s");
        var dyb = Need(dy, (long)rows * cols, nameof(RowScaleBackward), "dy");
        var dxb = Need(dx, (long)rows * cols, nameof(RowScaleBackward), "dx");
        var dsb = ds is null ? null : Need(ds, rows, nameof(RowScaleBackward), "ds");
        CpuRows.For(rows, cols, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                var dys = dyb.Array.AsSpan(dyb.Offset + r * cols, cols);
                CpuSimd.Axpy(sb.Array[sb.Offset + r], dys, dxb.Array.AsSpan(dxb.Offset + r * cols, cols));
                if (dsb is not null)
                    dsb.Array[dsb.Offset + r] += CpuSimd.Dot(dys, xb.Array.AsSpan(xb.Offset + r * cols, cols));
            }
        });
    }

    public void SumSquares(DeviceBuffer<float> x, DeviceBuffer<float> result)
    {
        var xb = Own(x);
        var rb = Need(result, 1, nameof(SumSquares), "result");
        int n = (int)xb.Length;
        const int block = 1 << 14;
        int blocks = (n + block - 1) / block;
        var partial = new double[blocks];
        CpuRows.For(blocks, block, (b0, b1) =>
        {
            for (int b = b0; b < b1; b++)
            {
                var s = xb.Array.AsSpan(xb.Offset + b * block, Math.Min(block, n - b * block));
                partial[b] = CpuSimd.Dot(s, s);
            }
        });
        double total = 0;
        foreach (double p in partial) total += p;
        rb.Array[rb.Offset] = (float)total;
    }
}
