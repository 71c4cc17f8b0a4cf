using ILGPU;
using ILGPU.Runtime;

namespace Tips.Kernels;

// Pointwise ops and data movement (kernels in ElementwiseKernels.cs).
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, float>? _fill;
    private Action<Index1D, ArrayView<float>, ArrayView<float>>? _copy;
    private Action<Index2D, ArrayView<float>, int, ArrayView<float>, int>? _copy2D;
    private Action<Index1D, float, ArrayView<float>, ArrayView<float>>? _axpy;
    private Action<Index1D, ArrayView<float>, float>? _scale;
    private Action<Index2D, ArrayView<float>, ArrayView<float>, int, float>? _addRowVector;
    private Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>? _rowScaleForward;
    private Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>? _rowScaleBackward;
    private Action<Index2D, ArrayView<float>, ArrayView<float>, int, int, float>? _broadcastRows;
    private Action<Index1D, int, ArrayView<float>, ArrayView<float>>? _activationForward;
    private Action<Index1D, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _activationBackward;
    private Action<Index2D, ArrayView<float>, ArrayView<float>, int>? _swiGluForward;
    private Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>? _swiGluBackward;
    private Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>? _scaledResidualForward;
    private Action<Index2D, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, int>? _scaledResidualBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamWParams>? _adamW;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, float>? _ema;

    /// <summary>An element count as a 1D launch extent.</summary>
    private static Index1D Extent(long n, string what) => n <= int.MaxValue
        ? new Index1D((int)n)
        : throw new BackendException($"{what}: {n} elements exceed one launch ({int.MaxValue})");

    /// <summary>(cols, rows) as a 2D extent, X the column.</summary>
    private static Index2D Extent(int rows, int cols, string what) => rows >= 0 && cols >= 0
        ? new Index2D(cols, rows)
        : throw new BackendException($"{what}: negative shape {rows} x {cols}");

    private static bool Empty(Index2D e) => e.X == 0 || e.Y == 0;

    public void Fill(DeviceBuffer<float> x, float value)
    {
        var xv = V(x, 0, "Fill x");
        if (xv.Length == 0) return;
        (_fill ??= Load(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(ElementwiseKernels.Fill)))
            (Extent(xv.Length, nameof(Fill)), xv, value);
    }

    public void Copy(DeviceBuffer<float> src, DeviceBuffer<float> dst)
    {
        if (src.Length != dst.Length)
            throw new BackendException($"{nameof(Copy)}: lengths differ ({src.Length} vs {dst.Length})");
        var s = V(src, 0, "Copy src");
        if (s.Length == 0) return;
        (_copy ??= Load(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.Copy)))
            (Extent(s.Length, nameof(Copy)), s, V(dst, 0, "Copy dst"));
    }

    public void Copy2D(DeviceBuffer<float> src, int srcLd, DeviceBuffer<float> dst, int dstLd, int rows, int cols)
    {
        var e = Extent(rows, cols, nameof(Copy2D));
        if (Empty(e)) return;
        if (srcLd < cols || dstLd < cols)
            throw new BackendException($"{nameof(Copy2D)}: leading dimensions {srcLd}, {dstLd} below cols {cols}");
        var s = V(src, (long)(rows - 1) * srcLd + cols, "Copy2D src");
        var d = V(dst, (long)(rows - 1) * dstLd + cols, "Copy2D dst");
        (_copy2D ??= Load(a => a.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, int, ArrayView<float>, int>(ElementwiseKernels.Copy2D)))
            (e, s, srcLd, d, dstLd);
    }

    public void Axpy(float alpha, DeviceBuffer<float> x, DeviceBuffer<float> y)
    {
        if (x.Length != y.Length)
            throw new BackendException($"{nameof(Axpy)}: lengths differ ({x.Length} vs {y.Length})");
        if (x.Length == 0) return;
        (_axpy ??= Load(a => a.LoadAutoGroupedStreamKernel<Index1D, float, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.Axpy)))
            (Extent(x.Length, nameof(Axpy)), alpha, V(x, 0, "Axpy x"), V(y, 0, "Axpy y"));
    }

    public void Scale(DeviceBuffer<float> x, float alpha)
    {
        var xv = V(x, 0, "Scale x");
        if (xv.Length == 0) return;
        (_scale ??= Load(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(ElementwiseKernels.Scale)))
            (Extent(xv.Length, nameof(Scale)), xv, alpha);
    }

    public void AddRowVector(DeviceBuffer<float> x, DeviceBuffer<float> v, int rows, int cols, float alpha)
    {
        var e = Extent(rows, cols, nameof(AddRowVector));
        if (Empty(e)) return;
        (_addRowVector ??= Load(a => a.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, int, float>(ElementwiseKernels.AddRowVector)))
            (e, V(x, (long)rows * cols, "AddRowVector x"), V(v, cols, "AddRowVector v"), cols, alpha);
    }

    public void RowScaleForward(DeviceBuffer<float> x, DeviceBuffer<float> s, DeviceBuffer<float> y, int rows, int cols)
    {
        var e = Extent(rows, cols, nameof(RowScaleForward));
        if (Empty(e)) return;
        long n = (long)rows * cols;
        (_rowScaleForward ??= Load(a => a.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ElementwiseKernels.RowScaleForward)))
            (e, V(x, n, "RowScaleForward x"), V(s, rows, "RowScaleForward s"), V(y, n, "RowScaleForward y"), cols);
    }

    public void RowScaleBackward(DeviceBuffer<float> x, DeviceBuffer<float> s, DeviceBuffer<float> dy,
        DeviceBuffer<float> dx, DeviceBuffer<float>? ds, int rows, int cols)
    {
        var e = Extent(rows, cols, nameof(RowScaleBackward));
        if (Empty(e)) return;
        long n = (long)rows * cols;
        var dyv = V(dy, n, "RowScaleBackward dy");
        (_rowScaleBackward ??= Load(a => a.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ElementwiseKernels.RowScaleBackward)))
            (e, V(s, rows, "RowScaleBackward s"), dyv, V(dx, n, "RowScaleBackward dx"), cols);
        if (ds is not null)
            RowDot(V(x, n, "RowScaleBackward x"), dyv, V(ds, rows, "RowScaleBackward ds"), rows, cols);
    }

    public void BroadcastRows(DeviceBuffer<float> dy, DeviceBuffer<float> dx, int batch, int rows, int cols, float alpha)
    {
        var e = Extent(batch * rows, cols, nameof(BroadcastRows));
        if (Empty(e)) return;
        (_broadcastRows ??= Load(a => a.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, int, int, float>(ElementwiseKernels.BroadcastRows)))
            (e, V(dy, (long)batch * cols, "BroadcastRows dy"), V(dx, (long)batch * rows * cols, "BroadcastRows dx"), rows, cols, alpha);
    }

    public void ActivationForward(Activation kind, DeviceBuffer<float> x, DeviceBuffer<float> y)
    {
        if (x.Length != y.Length)
            throw new BackendException($"{nameof(ActivationForward)}: lengths differ ({x.Length} vs {y.Length})");
        if (x.Length == 0) return;
        (_activationForward ??= Load(a => a.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.ActivationForward)))
            (Extent(x.Length, nameof(ActivationForward)), (int)kind, V(x, 0, "ActivationForward x"), V(y, 0, "ActivationForward y"));
    }

    public void ActivationBackward(Activation kind, DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx)
    {
        if (x.Length != dy.Length || x.Length != dx.Length)
            throw new BackendException($"{nameof(ActivationBackward)}: lengths differ ({x.Length}, {dy.Length}, {dx.Length})");
        if (x.Length == 0) return;
        (_activationBackward ??= Load(a => a.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.ActivationBackward)))
            (Extent(x.Length, nameof(ActivationBackward)), (int)kind, V(x, 0, "x"), V(dy, 0, "dy"), V(dx, 0, "dx"));
    }

    public void SwiGluForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int hidden)
    {
        var e = Extent(rows, hidden, nameof(SwiGluForward));
        if (Empty(e)) return;
        (_swiGluForward ??= Load(a => a.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, int>(ElementwiseKernels.SwiGluForward)))
            (e, V(x, 2L * rows * hidden, "SwiGluForward x"), V(y, (long)rows * hidden, "SwiGluForward y"), hidden);
    }

    public void SwiGluBackward(DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx, int rows, int hidden)
    {
        var e = Extent(rows, hidden, nameof(SwiGluBackward));
        if (Empty(e)) return;
        (_swiGluBackward ??= Load(a => a.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ElementwiseKernels.SwiGluBackward)))
            (e, V(x, 2L * rows * hidden, "SwiGluBackward x"), V(dy, (long)rows * hidden, "SwiGluBackward dy"),
                V(dx, 2L * rows * hidden, "SwiGluBackward dx"), hidden);
    }

    public void ScaledResidualForward(DeviceBuffer<float> x, DeviceBuffer<float> residual, DeviceBuffer<float>? gamma, int rows, int cols)
    {
        var e = Extent(rows, cols, nameof(ScaledResidualForward));
        if (Empty(e)) return;
        long n = (long)rows * cols;
        (_scaledResidualForward ??= Load(a => a.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(ElementwiseKernels.ScaledResidualForward)))
            (e, V(x, n, "ScaledResidualForward x"), V(residual, n, "ScaledResidualForward residual"),
                Optional(gamma, cols, nameof(ScaledResidualForward)), gamma is null ? 0 : 1, cols);
    }

    public void ScaledResidualBackward(DeviceBuffer<float> dy, DeviceBuffer<float> residual, DeviceBuffer<float>? gamma,
        DeviceBuffer<float> dresidual, DeviceBuffer<float>? dgamma, int rows, int cols)
    {
        var e = Extent(rows, cols, nameof(ScaledResidualBackward));
        if (Empty(e)) return;
        long n = (long)rows * cols;
        var dyv = V(dy, n, "ScaledResidualBackward dy");
        (_scaledResidualBackward ??= Load(a => a.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, int>(ElementwiseKernels.ScaledResidualBackward)))
            (e, dyv, Optional(gamma, cols, nameof(ScaledResidualBackward)), gamma is null ? 0 : 1,
                V(dresidual, n, "ScaledResidualBackward dresidual"), cols);
        if (gamma is not null && dgamma is not null)
            ColumnDot(dyv, V(residual, n, "ScaledResidualBackward residual"), V(dgamma, cols, "ScaledResidualBackward dgamma"), rows, cols);
    }

    public void AdamW(DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m, DeviceBuffer<float> v,
        float lr, float beta1, float beta2, float eps, float weightDecay, int step)
    {
        long n = param.Length;
        if (grad.Length != n || m.Length != n || v.Length != n)
            throw new BackendException($"{nameof(AdamW)}: lengths differ ({n}, {grad.Length}, {m.Length}, {v.Length})");
        if (step < 1) throw new BackendException($"{nameof(AdamW)}: step {step} must be >= 1");
        if (n == 0) return;
        var p = new AdamWParams
        {
            Lr = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps, WeightDecay = weightDecay,
            Correction1 = (float)(1 - Math.Pow(beta1, step)), Correction2 = (float)(1 - Math.Pow(beta2, step)),
        };
        (_adamW ??= Load(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamWParams>(ElementwiseKernels.AdamW)))
            (Extent(n, nameof(AdamW)), V(param, n, "param"), V(grad, n, "grad"), V(m, n, "m"), V(v, n, "v"), p);
    }

    public void Ema(DeviceBuffer<float> teacher, DeviceBuffer<float> student, float momentum)
    {
        if (teacher.Length != student.Length)
            throw new BackendException($"{nameof(Ema)}: lengths differ ({teacher.Length} vs {student.Length})");
        if (teacher.Length == 0) return;
        (_ema ??= Load(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(ElementwiseKernels.Ema)))
            (Extent(teacher.Length, nameof(Ema)), V(teacher, 0, "teacher"), V(student, 0, "student"), momentum);
    }
}
