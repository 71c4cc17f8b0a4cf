using System.Runtime.Intrinsics;
using Tips.Kernels;

namespace Tips.Tests.Kernels;

/// <summary>
/// The AVX-512 row helpers and exp against float64 references, on lengths around the 16- and 32-float block
/// edges (tails of every size). On machines without AVX-512 only the support flag is checked.
/// </summary>
public class CpuSimd512Tests
{
    private static readonly int[] Lengths = [1, 5, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 768, 1026];

    private static float[] Random(int n, int seed, float scale = 1f, float offset = 0f)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = offset + scale * (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static float[] Poisoned(int n)
    {
        var y = new float[n];
        y.AsSpan().Fill(float.NaN);
        return y;
    }

    private static void Close(double expected, double actual, double atol, double rtol, string what) =>
        Assert.True(Math.Abs(actual - expected) <= atol + rtol * Math.Abs(expected), $"{what}: {actual} vs {expected}");

    [Fact]
    public void SupportFollowsAvx512F() =>
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, CpuSimd512.IsSupported);

    [Fact]
    public void ExpMatchesDoubleExpAcrossTheFloatRange()
    {
        if (!CpuSimd512.IsSupported) return;
        double worst = 0;
        var lanes = new float[16];
        var result = new float[16];
        for (float x = -87.3f; x < 88.7f; x += 0.01f * 16)
        {
            for (int l = 0; l < 16; l++) lanes[l] = Math.Min(x + 0.01f * l, 88.72f);
            CpuExp.Exp(Vector512.Create(lanes)).CopyTo(result);
            for (int l = 0; l < 16; l++)
                worst = Math.Max(worst, Math.Abs(result[l] - Math.Exp(lanes[l])) / Math.Exp(lanes[l]));
        }
        Assert.True(worst < 2.5e-7, $"max relative error {worst:G3}");
    }

    [Fact]
    public void ExpUnderflowsToZeroAndStaysFiniteAtTheTop()
    {
        if (!CpuSimd512.IsSupported) return;
        Assert.Equal(0f, CpuExp.Exp(Vector512.Create(float.NegativeInfinity))[0]);
        Assert.Equal(0f, CpuExp.Exp(Vector512.Create(-104f))[0]);
        Assert.True(CpuExp.Exp(Vector512.Create(-100f))[0] < 1e-43f);
        Assert.True(float.IsFinite(CpuExp.Exp(Vector512.Create(88.72f))[0]));
        Assert.True(float.IsFinite(CpuExp.Exp(Vector512.Create(float.PositiveInfinity))[0]));
    }

    [Fact]
    public void MaxMinAndScaledMatchReferences()
    {
        if (!CpuSimd512.IsSupported) return;
        foreach (int n in Lengths)
        {
            var x = Random(n, n);
            // The extreme sits at the last element so a missed tail fails.
            x[n - 1] = 5f;
            Assert.Equal(5f, CpuSimd512.Max(x));
            x[n - 1] = -5f;
            Assert.Equal(-5f, CpuSimd512.Min(x));
            var y = (float[])x.Clone();
            CpuSimd512.Scaled(y, 0.37f, y);
            for (int i = 0; i < n; i++) Assert.Equal(x[i] * 0.37f, y[i]);
            var z = Poisoned(n);
            CpuSimd512.Scaled(x, 0.37f, z);
            for (int i = 0; i < n; i++) Assert.Equal(x[i] * 0.37f, z[i]);
        }
    }

    [Fact]
    public void ExpScaledMatchesReferenceInPlaceAndOutOfPlace()
    {
        if (!CpuSimd512.IsSupported) return;
        foreach (int n in Lengths)
        {
            var x = Random(n, 100 + n, 6f);
            const float scale = 0.7f, shift = 1.5f;
            double sum = 0;
            var expected = new double[n];
            for (int i = 0; i < n; i++) sum += expected[i] = Math.Exp(scale * (double)x[i] - shift);
            var y = Poisoned(n);
            float got = CpuSimd512.ExpScaled(x, scale, shift, y);
            for (int i = 0; i < n; i++) Close(expected[i], y[i], 1e-30, 2e-6, $"n={n} y[{i}]");
            Close(sum, got, 0, 1e-5, $"n={n} sum");
            var z = (float[])x.Clone();
            CpuSimd512.ExpScaled(z, scale, shift, z);
            for (int i = 0; i < n; i++) Assert.Equal(y[i], z[i]);
        }
    }

    [Fact]
    public void MeanVarianceAndNormalizeMatchReferences()
    {
        if (!CpuSimd512.IsSupported) return;
        foreach (int n in Lengths)
        {
            // Offset mean against a small spread: the one-pass statistics must not cancel.
            var x = Random(n, 200 + n, 0.5f, 30f);
            double mu = 0, var = 0;
            foreach (float v in x) mu += v;
            mu /= n;
            foreach (float v in x) var += (v - mu) * (v - mu);
            var /= n;
            var (m, s2) = CpuSimd512.MeanVariance(x);
            Close(mu, m, 1e-5, 1e-6, $"n={n} mean");
            Close(var, s2, 1e-5, 1e-3, $"n={n} variance");
            var gamma = Random(n, 300 + n);
            var beta = Random(n, 400 + n);
            var y = Poisoned(n);
            float rstd = 1f / MathF.Sqrt((float)var + 1e-6f);
            CpuSimd512.Normalize(x, (float)mu, rstd, gamma, beta, y);
            for (int i = 0; i < n; i++)
                Close((x[i] - mu) * rstd * gamma[i] + beta[i], y[i], 1e-5, 1e-5, $"n={n} y[{i}]");
        }
    }
}
