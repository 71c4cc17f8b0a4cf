using Tips.Kernels;
using Tips.Tests.Reference;

namespace Tips.Tests.Kernels;

public class CpuOpTests : OpTestsBase
{
    protected override IBackend CreateBackend() => new CpuBackend();

    [Fact]
    public void GeluOfExtremeInputs()
    {
        // 32 elements, so the vector loops (not the scalar tail) see them: +inf stays +inf, huge and moderate
        // magnitudes match the float64 reference (x itself or a vanishing tail; derivatives near 1 and 0).
        float[] forward = [float.PositiveInfinity, 1e30f, 30f, 12f, -12f, -30f, -1e30f, float.MaxValue, float.MinValue];
        var x = Enumerable.Range(0, 32).Select(i => forward[i % forward.Length]).ToArray();
        using var xb = Upload(x);
        using var yb = Poisoned(x.Length);
        Backend.ActivationForward(Activation.Gelu, xb, yb);
        var y = Download(yb);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = float.IsPositiveInfinity(x[i]) ? double.PositiveInfinity : RefActivations.Forward(RefActivations.Kind.Gelu, x[i]);
            Assert.True(y[i] == expected || Math.Abs(y[i] - expected) <= 1e-30 + 1e-5 * Math.Abs(expected), $"gelu({x[i]}) = {y[i]}, expected {expected}");
        }

        var finite = x.Select(v => float.IsInfinity(v) ? 3f : v).ToArray();
        var dy = Enumerable.Range(0, 32).Select(i => 0.5f + i / 64f).ToArray();
        using var fb = Upload(finite);
        using var dyb = Upload(dy);
        using var dxb = Upload(new float[32]);
        Backend.ActivationBackward(Activation.Gelu, fb, dyb, dxb);
        var dx = Download(dxb);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = RefActivations.Derivative(RefActivations.Kind.Gelu, finite[i]) * dy[i];
            Assert.True(Math.Abs(dx[i] - expected) <= 1e-7 + 1e-5 * Math.Abs(expected), $"gelu'({finite[i]}) dy = {dx[i]}, expected {expected}");
        }
    }
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
