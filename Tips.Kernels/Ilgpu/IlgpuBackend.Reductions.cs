using ILGPU;
using ILGPU.Runtime;

namespace Tips.Kernels;

// Row, column and whole-buffer sums (kernels in ReductionKernels.cs).
public sealed partial class IlgpuBackend
{
    private Action<Index2D, ArrayView<float>, ArrayView<float>, int, int, int, float>? _sumRowsChunk;
    private Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? _columnDotChunk;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>? _rowDot;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>>? _sumSquares;

    /// <summary>One group of <see cref="LaunchShape.RowGroup"/> threads per row.</summary>
    private KernelConfig RowConfig(int rows) => new(new Index1D(rows), new Index1D(Shape.RowGroup));

    private int Chunks(int rows) => (rows + Shape.RowChunk - 1) / Shape.RowChunk;

    public void SumSquares(DeviceBuffer<float> x, DeviceBuffer<float> result)
    {
        var r = V(result, 1, "SumSquares result").SubView(0, 1);
        Fill(result.Slice(0, 1), 0f);
        var xv = V(x, 0, "SumSquares x");
        if (xv.Length == 0) return;
        long groups = Math.Min(Shape.ReduceGroups, (xv.Length + Shape.RowGroup - 1) / Shape.RowGroup);
        (_sumSquares ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>>(ReductionKernels.SumSquares)))
            (new KernelConfig(new Index1D((int)groups), new Index1D(Shape.RowGroup)), xv, r);
    }

    public void SumRows(DeviceBuffer<float> x, DeviceBuffer<float> y, int batch, int rows, int cols, float alpha, float beta)
    {
        if (batch < 0 || rows < 0 || cols < 0)
            throw new BackendException($"{nameof(SumRows)}: negative shape {batch} x {rows} x {cols}");
        if (batch == 0 || cols == 0) return;
        var yv = V(y, (long)batch * cols, "SumRows y");
        var ySlice = y.Slice(0, (long)batch * cols);
        // beta == 0 must ignore y's contents (NaN included), so overwrite instead of scaling.
        if (beta == 0f) Fill(ySlice, 0f);
        else if (beta != 1f) Scale(ySlice, beta);
        if (rows == 0) return;
        SumRowsAdd(V(x, (long)batch * rows * cols, "SumRows x"), yv, batch, rows, cols, alpha);
    }

    private void SumRowsAdd(ArrayView<float> x, ArrayView<float> y, int batch, int rows, int cols, float alpha) =>
        (_sumRowsChunk ??= Load(a => a.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, int, int, int, float>(ReductionKernels.SumRowsChunk)))
            (new Index2D(cols, batch * Chunks(rows)), x, y, rows, cols, Shape.RowChunk, alpha);

    /// <summary>dst[c] += sum_r a[r, c] * b[r, c].</summary>
    private void ColumnDot(ArrayView<float> a, ArrayView<float> b, ArrayView<float> dst, int rows, int cols) =>
        (_columnDotChunk ??= Load(l => l.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(ReductionKernels.ColumnDotChunk)))
            (new Index2D(cols, Chunks(rows)), a, b, dst, rows, cols, Shape.RowChunk);

    /// <summary>dst[r] += sum_c a[r, c] * b[r, c].</summary>
    private void RowDot(ArrayView<float> a, ArrayView<float> b, ArrayView<float> dst, int rows, int cols) =>
        (_rowDot ??= Load(l => l.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ReductionKernels.RowDot)))
            (RowConfig(rows), a, b, dst, cols);
}
