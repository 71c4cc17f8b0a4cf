using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;

namespace Tips.Kernels;

// Measured device limits for the benchmarks (kernels in PeakKernels.cs).
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, int, float, float>? _fmaChains;

    /// <summary>Runs <see cref="PeakKernels.FmaChains"/> on <paramref name="threads"/> threads into <paramref name="result"/>.</summary>
    internal void FmaChains(DeviceBuffer<float> result, int threads, int iterations, float m, float a) =>
        (_fmaChains ??= Load(acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, float, float>(PeakKernels.FmaChains)))
            (Extent(threads, nameof(FmaChains)), V(result, threads, "FmaChains result"), iterations, m, a);

    /// <summary>
    /// Best of <paramref name="runs"/> FMA throughputs in GFLOP/s; by default with twice the threads every
    /// multiprocessor can hold, so the latency of each chain is hidden.
    /// </summary>
    public double MeasureFmaGflops(int runs = 5, int iterations = 4096, int threads = 0)
    {
        if (threads <= 0) threads = Math.Max(1, _accelerator.NumMultiprocessors * _accelerator.MaxNumThreadsPerMultiprocessor * 2);
        using var result = Allocate(threads);
        FmaChains(result, threads, 16, 0.999f, 1e-3f);
        Synchronize();
        double best = 0;
        for (int r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            FmaChains(result, threads, iterations, 0.999f, 1e-3f);
            Synchronize();
            best = Math.Max(best, 2.0 * PeakKernels.Chains * iterations * threads / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    /// <summary>Best of <paramref name="runs"/> device-to-device copy bandwidths in GB/s (bytes read + written).</summary>
    public double MeasureCopyGBps(int runs = 5, long floats = 64 << 20)
    {
        using var src = Allocate(floats);
        using var dst = Allocate(floats);
        Fill(src, 1f);
        Copy(src, dst);
        Synchronize();
        double best = 0;
        for (int r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            Copy(src, dst);
            Synchronize();
            best = Math.Max(best, 2.0 * floats * sizeof(float) / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }
}
