using Tips.Kernels;

namespace Tips.Tests.Kernels;

// The shared op and GEMM suites on ILGPU. The CPU emulator runs every simulated GPU thread as an OS thread
// (a barrier costs milliseconds), so its shapes are tiny but still not multiples of any group or tile size.

/// <summary>Tiny shapes for <see cref="OpTestsBase"/> on the emulator.</summary>
public abstract class IlgpuEmulatorOpTests(IlgpuBackend backend) : OpTestsBase
{
    protected override IBackend CreateBackend() => backend;

    protected override (int Rows, int Cols)[] RowShapes => [(1, 17), (7, 1), (5, 33)];

    protected override int[] Lengths => [1, 7, 33, 1001];

    protected override (int Batch, int Tokens, int Heads)[] AttentionShapes => [(1, 1, 1), (3, 7, 2)];

    protected override int[] AttentionHeadDims => [4, 9];

    protected override (int Batch, int Tokens, int K)[] PatchLossShapes => [(1, 1, 3), (3, 7, 16)];

    protected override (int Batch, int Height, int Width, int Patch)[] PatchifyShapes => [(1, 3, 3, 1), (2, 6, 4, 2)];

    protected override (int Batch, int InH, int InW, int OutH, int OutW, int Channels)[] ResizeShapes =>
        [(1, 5, 7, 3, 4, 3), (2, 4, 4, 7, 9, 1), (1, 3, 5, 3, 5, 2)];

    /// <summary>The backend belongs to the class fixture (kernels compile once per class), not to the test.</summary>
    public override void Dispose() => GC.SuppressFinalize(this);
}

public sealed class IlgpuCpuWarp4OpTests(IlgpuCpuWarp4Fixture fixture)
    : IlgpuEmulatorOpTests(fixture.Backend), IClassFixture<IlgpuCpuWarp4Fixture>;

public sealed class IlgpuCpuWarp32OpTests(IlgpuCpuWarp32Fixture fixture)
    : IlgpuEmulatorOpTests(fixture.Backend), IClassFixture<IlgpuCpuWarp32Fixture>;

/// <summary>Tiny shapes for <see cref="GemmTestsBase"/>; each test gets (and disposes) its own emulator.</summary>
public abstract class IlgpuEmulatorGemmTests : GemmTestsBase
{
    protected override IEnumerable<(int M, int N, int K)> Shapes => [(1, 1, 1), (7, 9, 5), (9, 33, 13)];

    protected override (int M, int N, int K) EpilogueShape => (9, 11, 13);

    protected override IEnumerable<(int Batch, int Rows, int Cols)> RowShapes => [(1, 1, 1), (2, 7, 33), (3, 5, 7)];
}

public sealed class IlgpuCpuWarp4GemmTests : IlgpuEmulatorGemmTests
{
    protected override IBackend CreateBackend() => IlgpuBackend.CreateCpu(4);
}

public sealed class IlgpuCpuWarp32GemmTests : IlgpuEmulatorGemmTests
{
    protected override IBackend CreateBackend() => IlgpuBackend.CreateCpu(32);
}

#if TIPS_TEST_CUDA
// Full-size shapes on a real GPU (compiled only under scripts/gpu-check.sh; see IlgpuCudaFixture).
public sealed class IlgpuCudaOpTests(IlgpuCudaFixture fixture) : OpTestsBase, IClassFixture<IlgpuCudaFixture>
{
    protected override IBackend CreateBackend() => fixture.Backend;

    public override void Dispose() => GC.SuppressFinalize(this);
}

public sealed class IlgpuCudaGemmTests : GemmTestsBase
{
    protected override IBackend CreateBackend() => IlgpuBackend.CreateCuda();
}
#endif
