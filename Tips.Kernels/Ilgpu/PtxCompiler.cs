using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Tips.Kernels;

/// <summary>
/// Compiles the kernels to PTX without a GPU (ILGPU's standalone PTX backend), so CUDA code generation is
/// tested everywhere and the PTX can be assembled with ptxas to read registers, spills and shared memory.
/// </summary>
internal static class PtxCompiler
{
    /// <summary>The classes whose public static methods are kernels (helpers are private or elsewhere).</summary>
    internal static readonly Type[] KernelClasses =
    [
        typeof(ElementwiseKernels), typeof(ReductionKernels), typeof(NormKernels), typeof(SoftmaxKernels),
        typeof(GemmKernels), typeof(AttentionKernels), typeof(ImageKernels), typeof(PeakKernels),
    ];

    internal static IEnumerable<MethodInfo> Kernels() => KernelClasses
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly));

    /// <summary>
    /// PTX of every kernel, "Class.Method" to assembly text. ISA 7.8 is the newest that ptxas 11.8 (Debian's)
    /// accepts; ILGPU emits the same instructions for sm_80 and newer.
    /// </summary>
    internal static IReadOnlyList<(string Name, string Ptx)> CompileAll(CudaInstructionSet isa)
    {
        using var context = IlgpuBackend.Configure(Context.Create()).ToContext();
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_80),
            CudaArchitecture.SM_80, isa, null);
        var result = new List<(string, string)>();
        foreach (var method in Kernels())
        {
            var first = method.GetParameters().FirstOrDefault()?.ParameterType;
            var entry = first == typeof(Index1D) || first == typeof(Index2D)
                ? EntryPointDescription.FromImplicitlyGroupedKernel(method)
                : EntryPointDescription.FromExplicitlyGroupedKernel(method);
            var compiled = (PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);
            result.Add(($"{method.DeclaringType!.Name}.{method.Name}", compiled.PTXAssembly));
        }
        return result;
    }
}
