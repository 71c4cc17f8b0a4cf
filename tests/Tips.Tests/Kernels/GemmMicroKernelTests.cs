using Tips.Kernels;

namespace Tips.Tests.Kernels;

/// <summary>The row-major-A 8x32 micro-kernel (attention's P V) against a float64 reference.</summary>
public class GemmMicroKernelTests
{
    [Theory]
    [InlineData(1, 0f)]
    [InlineData(37, 0f)]
    [InlineData(128, 0.5f)]
    public unsafe void Kernel8x32RowMajorAMatchesReference(int kc, float beta)
    {
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported) return;
        var rng = new Random(kc);
        int lda = kc + 3, ldc = 40;
        var a = new float[8 * lda];
        var b = new float[kc * 32];
        var c = new float[8 * ldc];
        for (int i = 0; i < a.Length; i++) a[i] = (float)rng.NextDouble() * 2 - 1;
        for (int i = 0; i < b.Length; i++) b[i] = (float)rng.NextDouble() * 2 - 1;
        for (int i = 0; i < c.Length; i++) c[i] = (float)rng.NextDouble() * 2 - 1;
        var c0 = (float[])c.Clone();
        const float alpha = 1.5f;
        fixed (float* pa = a, pb = b, pc = c)
            GemmMicroKernels.Kernel8x32RowMajorA(kc, pa, lda, pb, pc, ldc, alpha, beta);
        for (int r = 0; r < 8; r++)
        {
            for (int j = 0; j < 32; j++)
            {
                double sum = 0;
                for (int p = 0; p < kc; p++) sum += (double)a[r * lda + p] * b[p * 32 + j];
                double expected = alpha * sum + beta * c0[r * ldc + j];
                Assert.True(Math.Abs(c[r * ldc + j] - expected) <= 1e-5 + 1e-5 * Math.Abs(expected), $"c[{r},{j}] = {c[r * ldc + j]}, expected {expected}");
            }
            // Columns past the 32-wide tile stay untouched.
            for (int j = 32; j < ldc; j++) Assert.Equal(c0[r * ldc + j], c[r * ldc + j]);
        }
    }
}
