using ILGPU;
using ILGPU.Runtime;

namespace Tips.Kernels;

// LayerNorm and L2 normalisation (kernels in NormKernels.cs).
public sealed partial class IlgpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, int>? _layerNormForward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>? _layerNormBackward;
    private Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? _layerNormParamGrads;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, int>? _l2Forward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>? _l2Backward;

    private static bool RowShape(int rows, int cols, string what) => rows >= 0 && cols >= 0
        ? rows > 0 && cols > 0
        : throw new BackendException($"{what}: negative shape {rows} x {cols}");

    public void LayerNormForward(DeviceBuffer<float> x, DeviceBuffer<float> gamma, DeviceBuffer<float> beta,
        DeviceBuffer<float> y, DeviceBuffer<float>? mean, DeviceBuffer<float>? rstd, int rows, int cols, float eps)
    {
        const string op = nameof(LayerNormForward);
        if (!RowShape(rows, cols, op)) return;
        long n = (long)rows * cols;
        bool save = mean is not null && rstd is not null;
        (_layerNormForward ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, int>(NormKernels.LayerNormForward)))
            (RowConfig(rows), V(x, n, op + " x"), V(gamma, cols, op + " gamma"), V(beta, cols, op + " beta"), V(y, n, op + " y"),
                save ? V(mean!, rows, op + " mean") : _dummy.View, save ? V(rstd!, rows, op + " rstd") : _dummy.View, cols, eps, save ? 1 : 0);
    }

    public void LayerNormBackward(DeviceBuffer<float> dy, DeviceBuffer<float> x, DeviceBuffer<float> gamma,
        DeviceBuffer<float> mean, DeviceBuffer<float> rstd,
        DeviceBuffer<float> dx, DeviceBuffer<float> dgamma, DeviceBuffer<float> dbeta, int rows, int cols)
    {
        const string op = nameof(LayerNormBackward);
        if (!RowShape(rows, cols, op)) return;
        long n = (long)rows * cols;
        var dyv = V(dy, n, op + " dy");
        var xv = V(x, n, op + " x");
        var mv = V(mean, rows, op + " mean");
        var rv = V(rstd, rows, op + " rstd");
        (_layerNormBackward ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(NormKernels.LayerNormBackward)))
            (RowConfig(rows), dyv, xv, V(gamma, cols, op + " gamma"), mv, rv, V(dx, n, op + " dx"), cols);
        (_layerNormParamGrads ??= Load(a => a.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(NormKernels.LayerNormParamGrads)))
            (new Index2D(cols, Chunks(rows)), dyv, xv, mv, rv, V(dgamma, cols, op + " dgamma"), V(dbeta, cols, op + " dbeta"), rows, cols, Shape.RowChunk);
    }

    public void L2NormalizeForward(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<float>? norms, int rows, int cols, float eps)
    {
        const string op = nameof(L2NormalizeForward);
        if (!RowShape(rows, cols, op)) return;
        long n = (long)rows * cols;
        (_l2Forward ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, int>(NormKernels.L2NormalizeForward)))
            (RowConfig(rows), V(x, n, op + " x"), V(y, n, op + " y"), Optional(norms, rows, op + " norms"), cols, eps, norms is null ? 0 : 1);
    }

    public void L2NormalizeBackward(DeviceBuffer<float> y, DeviceBuffer<float> norms, DeviceBuffer<float> dy,
        DeviceBuffer<float> dx, int rows, int cols, float eps)
    {
        const string op = nameof(L2NormalizeBackward);
        if (!RowShape(rows, cols, op)) return;
        long n = (long)rows * cols;
        (_l2Backward ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(NormKernels.L2NormalizeBackward)))
            (RowConfig(rows), V(y, n, op + " y"), V(norms, rows, op + " norms"), V(dy, n, op + " dy"), V(dx, n, op + " dx"), cols, eps);
    }
}
