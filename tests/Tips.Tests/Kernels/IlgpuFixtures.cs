using Tips.Kernels;

namespace Tips.Tests.Kernels;

/// <summary>One emulator backend per warp size, shared by a test class so kernels compile once.</summary>
public sealed class IlgpuCpuWarp4Fixture : IDisposable
{
    public IlgpuBackend Backend { get; } = IlgpuBackend.CreateCpu(4);

    public void Dispose() => Backend.Dispose();
}

public sealed class IlgpuCpuWarp32Fixture : IDisposable
{
    public IlgpuBackend Backend { get; } = IlgpuBackend.CreateCpu(32);

    public void Dispose() => Backend.Dispose();
}

/// <summary>
/// The real CUDA device. Its test classes are compiled only when TIPS_TEST_CUDA=1 is set at build time
/// (scripts/gpu-check.sh does; Tips.Tests.csproj turns it into a define), so on a machine without a GPU
/// they neither run nor count as passed; with the variable set and no device, the fixture throws and
/// every CUDA test fails.
/// </summary>
public sealed class IlgpuCudaFixture : IDisposable
{
    public IlgpuBackend Backend { get; } = IlgpuBackend.CreateCuda();

    public void Dispose() => Backend.Dispose();
}
