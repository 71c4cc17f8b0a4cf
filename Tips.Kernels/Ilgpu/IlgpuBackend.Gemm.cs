using ILGPU;
using ILGPU.Runtime;

namespace Tips.Kernels;

// GEMM (kernel in GemmKernels.cs).
public sealed partial class IlgpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmParams>? _gemm;

    public void Gemm(bool transA, bool transB, int m, int n, int k,
        float alpha, DeviceBuffer<float> a, int lda, long strideA,
        DeviceBuffer<float> b, int ldb, long strideB,
        float beta, DeviceBuffer<float> c, int ldc, long strideC,
        int batch = 1, DeviceBuffer<float>? bias = null, Activation activation = Activation.None)
    {
        const string op = nameof(Gemm);
        if (m < 0 || n < 0 || k < 0 || batch < 0)
            throw new BackendException($"{op}: negative size m={m} n={n} k={k} batch={batch}");
        if (lda < (transA ? m : k) || ldb < (transB ? k : n) || ldc < n)
            throw new BackendException($"{op}: leading dimensions lda={lda} ldb={ldb} ldc={ldc} too small for m={m} n={n} k={k}");
        if (strideA < 0 || strideB < 0 || strideC < 0)
            throw new BackendException($"{op}: negative batch stride");
        if (m == 0 || n == 0 || batch == 0) return;
        long last = batch - 1;
        var av = k == 0 ? _dummy.View : V(a, last * strideA + Extent2(transA ? k : m, transA ? m : k, lda), op + " A");
        var bv = k == 0 ? _dummy.View : V(b, last * strideB + Extent2(transB ? n : k, transB ? k : n, ldb), op + " B");
        var cv = V(c, last * strideC + Extent2(m, n, ldc), op + " C");
        var shape = Shape;
        int gx = shape.GemmGroupX, gy = shape.GemmGroupY;
        int bm = 8 * gy, bn = 8 * gx;
        int tilesM = (m + bm - 1) / bm, tilesN = (n + bn - 1) / bn;
        long groups = (long)tilesM * tilesN * batch;
        if (groups > int.MaxValue) throw new BackendException($"{op}: {groups} tiles exceed one launch");
        var p = new GemmParams
        {
            M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc, TransA = transA ? 1 : 0, TransB = transB ? 1 : 0,
            HasBias = bias is null ? 0 : 1, Activation = (int)activation,
            StrideA = strideA, StrideB = strideB, StrideC = strideC, Alpha = alpha, Beta = beta,
            GroupX = gx, TileK = shape.GemmTileK, TilesM = tilesM, TilesN = tilesN,
        };
        var config = new KernelConfig(new Index1D((int)groups), new Index1D(gx * gy),
            SharedMemoryConfig.RequestDynamic<float>(shape.GemmTileK * (bm + bn)));
        (_gemm ??= Load(l => l.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmParams>(GemmKernels.Gemm)))
            (config, av, bv, cv, Optional(bias, n, op + " bias"), p);
    }

    /// <summary>Elements a rows x cols matrix with leading dimension ld spans.</summary>
    private static long Extent2(int rows, int cols, int ld) => rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
}
