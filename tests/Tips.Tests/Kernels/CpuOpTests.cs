using Tips.Kernels;

namespace Tips.Tests.Kernels;

public class CpuOpTests : OpTestsBase
{
    protected override IBackend CreateBackend() => new CpuBackend();
}
