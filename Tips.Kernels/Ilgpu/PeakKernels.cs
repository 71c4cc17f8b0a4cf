using ILGPU;

namespace Tips.Kernels;

/// <summary>
/// Kernels that measure the device's limits, so GPU kernel benchmarks are compared with a measured peak rather
/// than a data sheet: FMA throughput (independent chains per thread) and copy bandwidth (<see cref="ElementwiseKernels.Copy"/>).
/// </summary>
internal static class PeakKernels
{
    public const int Chains = 8;

    /// <summary>
    /// Eight independent chains c = c * m + a per thread (enough to cover the FMA latency at full occupancy);
    /// their sum is stored so the compiler cannot drop the loop. Unrolled by hand: ILGPU 1.5.3 does not unroll.
    /// </summary>
    public static void FmaChains(Index1D i, ArrayView<float> result, int iterations, float m, float a)
    {
        float c0 = i * 1e-7f, c1 = c0 + 1, c2 = c0 + 2, c3 = c0 + 3, c4 = c0 + 4, c5 = c0 + 5, c6 = c0 + 6, c7 = c0 + 7;
        for (int k = 0; k < iterations; k++)
        {
            c0 = c0 * m + a;
            c1 = c1 * m + a;
            c2 = c2 * m + a;
            c3 = c3 * m + a;
            c4 = c4 * m + a;
            c5 = c5 * m + a;
            c6 = c6 * m + a;
            c7 = c7 * m + a;
        }
        result[i] = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7;
    }
}
