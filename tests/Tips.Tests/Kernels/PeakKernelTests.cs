using ILGPU.Runtime.Cuda;
using Tips.Kernels;

namespace Tips.Tests.Kernels;

/// <summary>The device-peak kernels the GPU benchmarks are compared with: right results, and real FMAs in the PTX.</summary>
public sealed class PeakKernelTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(32)]
    public void FmaChainsComputeTheirRecurrence(int warpSize)
    {
        using var backend = IlgpuBackend.CreateCpu(warpSize);
        const int threads = 37, iterations = 50;
        const float m = 0.97f, a = 0.11f;
        using var result = backend.Allocate(threads);
        backend.Fill(result, float.NaN);
        backend.FmaChains(result, threads, iterations, m, a);
        var got = new float[threads];
        backend.Download<float>(result, got);
        for (int i = 0; i < threads; i++)
        {
            double sum = 0;
            for (int chain = 0; chain < PeakKernels.Chains; chain++)
            {
                double c = (double)(i * 1e-7f) + chain;
                for (int k = 0; k < iterations; k++) c = c * m + a;
                sum += c;
            }
            Assert.True(Math.Abs(got[i] - sum) <= 1e-4 + 1e-5 * Math.Abs(sum), $"thread {i}: {got[i]} vs {sum}");
        }
        Assert.True(backend.MeasureFmaGflops(runs: 1, iterations: 4) is > 0 and < double.PositiveInfinity);
    }

    [Fact]
    public void FmaChainsCompileToContractibleMultiplyAdds()
    {
        // ILGPU writes a * b + c as mul.f32 and add.f32 without rounding modifiers, which ptxas fuses into FFMA
        // (its default --fmad=true); a .rn modifier would forbid the fusion and halve the measured peak.
        var ptx = PtxCompiler.CompileAll(CudaInstructionSet.ISA_78).Single(k => k.Name == "PeakKernels.FmaChains").Ptx;
        var lines = ptx.Split('\n').Select(l => l.Trim()).ToArray();
        int muls = lines.Count(l => l.StartsWith("mul.f32", StringComparison.Ordinal) || l.StartsWith("fma.rn.f32", StringComparison.Ordinal));
        Assert.True(muls >= PeakKernels.Chains, $"{muls} float multiplies in:\n{ptx}");
        Assert.DoesNotContain(lines, l => l.StartsWith("mul.rn.f32", StringComparison.Ordinal) || l.StartsWith("add.rn.f32", StringComparison.Ordinal));
    }
}
