using ILGPU.Runtime.Cuda;
using Tips.Kernels;

namespace Tips.Tests.Kernels;

/// <summary>CUDA code generation of every ILGPU kernel, checked without a GPU.</summary>
public sealed class IlgpuPtxTests
{
    [Fact]
    public void EveryKernelCompilesToPtxForSm80()
    {
        var kernels = PtxCompiler.CompileAll(CudaInstructionSet.ISA_78);
        Assert.True(kernels.Count >= 40, $"only {kernels.Count} kernels found");
        foreach (var (name, ptx) in kernels)
        {
            Assert.Contains(".target sm_80", ptx);
            Assert.Contains(".entry", ptx);
            Assert.True(ptx.Length > 200, name);
            // ptxas rejects this form (tanh has no .ftz); ILGPU emits it under MathMode.Fast32BitOnly.
            Assert.DoesNotContain("tanh.approx.ftz", ptx);
            // Double precision is 1/64 speed on consumer GPUs: no float64 may leak into a kernel.
            Assert.DoesNotContain(".f64", ptx);
        }
        // The GEMM keeps its 8 x 8 accumulators in registers: no local-memory arrays.
        var gemm = kernels.Single(k => k.Name == "GemmKernels.Gemm").Ptx;
        Assert.DoesNotContain(".local", gemm);
        Assert.Contains(".extern .shared", gemm);
    }
}
