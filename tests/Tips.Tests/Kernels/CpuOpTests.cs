using Tips.Kernels;

namespace Tips.Tests.Kernels;

public class CpuOpTests : OpTestsBase
{
    protected override IBackend CreateBackend() => new CpuBackend();
}

/// <summary>
/// The cpu backend with the 8x32 Vector512 tile geometry of AVX-512 machines (attention runs on the GEMM
/// micro-kernels), whatever this machine has; small shapes, as Vector512 may be emulated in software here.
/// </summary>
public class CpuWideTileOpTests : OpTestsBase
{
    protected override IBackend CreateBackend() => new CpuBackend { GemmVectorBits = 512 };

    protected override (int Rows, int Cols)[] RowShapes => [(3, 5)];

    protected override int[] Lengths => [9];

    protected override (int Batch, int Tokens, int Heads)[] AttentionShapes => [(2, 9, 2), (1, 200, 1)];

    protected override int[] AttentionHeadDims => [40, 20];

    protected override (int Batch, int Tokens, int K)[] PatchLossShapes => [(2, 3, 4)];

    protected override (int Batch, int Height, int Width, int Patch)[] PatchifyShapes => [(1, 4, 2, 2)];

    protected override (int Batch, int InH, int InW, int OutH, int OutW, int Channels)[] ResizeShapes => [(1, 4, 3, 2, 5, 2)];
}
