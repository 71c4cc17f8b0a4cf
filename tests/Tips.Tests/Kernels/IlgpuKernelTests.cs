using Tips.Kernels;

namespace Tips.Tests.Kernels;

/// <summary>
/// Checks of the ILGPU kernels against plain float64 loops written here (they share no code with the kernels).
/// Shapes are tiny and deliberately not multiples of the group and tile sizes: the CPU emulator runs every
/// simulated thread as an OS thread. Forward outputs are poisoned with NaN first; gradients start from
/// random values and the check subtracts them.
/// </summary>
public abstract partial class IlgpuKernelTests
{
    protected abstract IlgpuBackend B { get; }

    protected static float[] Rand(int n, int seed, float lo = -1f, float hi = 1f)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * (float)rng.NextDouble();
        return a;
    }

    protected DeviceBuffer<float> Up(float[] data)
    {
        var b = B.Allocate(data.Length);
        B.Upload<float>(data, b);
        return b;
    }

    protected DeviceBuffer<int> UpInt(int[] data)
    {
        var b = B.AllocateInt(data.Length);
        B.Upload<int>(data, b);
        return b;
    }

    protected DeviceBuffer<float> Poisoned(int n) => Up(Enumerable.Repeat(float.NaN, n).ToArray());

    protected float[] Down(DeviceBuffer<float> b)
    {
        var a = new float[b.Length];
        B.Download<float>(b, a);
        return a;
    }

    /// <summary>|actual - expected| &lt;= atol + rtol |expected| everywhere; reports the first mismatches.</summary>
    protected static void Close(float[] actual, double[] expected, double atol, double rtol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var bad = new List<string>();
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(actual[i] - expected[i]);
            worst = Math.Max(worst, double.IsNaN(d) ? double.PositiveInfinity : d);
            if (!(d <= atol + rtol * Math.Abs(expected[i])) && bad.Count < 5)
                bad.Add($"[{i}] got {actual[i]:G9} want {expected[i]:G9}");
        }
        Assert.True(bad.Count == 0, $"{what}: max |d| {worst:G3}; {string.Join("; ", bad)}");
    }

    /// <summary>The gradient that was added: after - prefill.</summary>
    protected static float[] Added(float[] after, float[] prefill) => after.Select((v, i) => v - prefill[i]).ToArray();

    protected static double[] D(float[] a) => a.Select(v => (double)v).ToArray();
}

public sealed class IlgpuCpuWarp4KernelTests(IlgpuCpuWarp4Fixture fixture) : IlgpuKernelTests, IClassFixture<IlgpuCpuWarp4Fixture>
{
    protected override IlgpuBackend B => fixture.Backend;
}

public sealed class IlgpuCpuWarp32KernelTests(IlgpuCpuWarp32Fixture fixture) : IlgpuKernelTests, IClassFixture<IlgpuCpuWarp32Fixture>
{
    protected override IlgpuBackend B => fixture.Backend;
}

#if TIPS_TEST_CUDA
public sealed class IlgpuCudaKernelTests(IlgpuCudaFixture fixture) : IlgpuKernelTests, IClassFixture<IlgpuCudaFixture>
{
    protected override IlgpuBackend B => fixture.Backend;
}
#endif
