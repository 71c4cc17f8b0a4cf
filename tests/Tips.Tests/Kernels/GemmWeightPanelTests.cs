using Tips.Kernels;
using Tips.Tests.Reference;

namespace Tips.Tests.Kernels;

/// <summary>
/// The cpu backend's cache of packed weight panels: results match the float64 reference on every call, the panels
/// are packed once per weight version and reused (for other row counts too), and every kind of write to the weight
/// (or to a slice of it) makes the next call use the new values. Each write test first makes the cache hold panels,
/// so a write that did not invalidate them would be caught by the reference comparison.
/// </summary>
public sealed class GemmWeightPanelTests : IDisposable
{
    private const double Eps32 = 1.1920929e-7;
    // Explicit, so that TIPS_CPU_WEIGHT_CACHE=0 in the environment does not turn the cache these tests check off.
    private readonly CpuBackend _backend = new() { CacheWeightPanels = true };

    public void Dispose() => _backend.Dispose();

    // (n, k): two kc blocks; three unequal ones with a partial sliver; B over several packing chunks (2^22 floats).
    public static TheoryData<int, int, bool, int> Weights => new()
    {
        { 100, 769, true, 512 }, { 70, 300, false, 512 }, { 1500, 3000, true, 512 }, { 100, 769, true, 256 },
    };

    [Theory]
    [MemberData(nameof(Weights))]
    public void PanelsArePackedOncePerVersionAndServeEveryRowCount(int n, int k, bool transB, int bits)
    {
        using var backend = new CpuBackend { GemmVectorBits = bits, CacheWeightPanels = true };
        var w = Rand(n * k, 1);
        using var dw = Upload(backend, w);
        // Panels are cached where B is packed whole (over 384 rows) and serve every such row count.
        int[] rows = [390, 433, 390];
        for (int call = 0; call < rows.Length; call++)
            Check(backend, rows[call], n, k, transB, dw, w, seed: 10 + call);
        // The first call only notes the version, the second packs, the third reuses.
        Assert.Equal((1L, 1L), backend.PanelStats);
    }

    public static TheoryData<string> Writes => new() { "upload", "upload-slice", "fill", "copy", "copy2d", "axpy", "scale", "adamw" };

    [Theory]
    [MemberData(nameof(Writes))]
    public void EveryWriteToTheWeightInvalidatesItsPanels(string write)
    {
        const int n = 100, k = 769;
        var w = Rand(n * k, 2);
        using var dw = Upload(_backend, w);
        Check(_backend, 400, n, k, true, dw, w, seed: 20);
        Check(_backend, 400, n, k, true, dw, w, seed: 21);
        Assert.Equal((1L, 0L), _backend.PanelStats);

        var other = Rand(n * k, 3);
        using var dOther = Upload(_backend, other);
        switch (write)
        {
            case "upload": _backend.Upload<float>(other, dw); break;
            case "upload-slice": _backend.Upload<float>(other.AsSpan(5 * k, k), dw.Slice(5 * k, k)); break;
            case "fill": _backend.Fill(dw.Slice(3 * k, 2 * k), 0.5f); break;
            case "copy": _backend.Copy(dOther, dw); break;
            case "copy2d": _backend.Copy2D(dOther, k, dw, k, 7, 300); break;
            case "axpy": _backend.Axpy(-0.5f, dOther, dw); break;
            case "scale": _backend.Scale(dw, -2f); break;
            case "adamw":
                using (var grad = Upload(_backend, other))
                using (var m = Upload(_backend, new float[n * k]))
                using (var v = Upload(_backend, new float[n * k]))
                    _backend.AdamW(dw, grad, m, v, 0.05f, 0.9f, 0.999f, 1e-8f, 0.1f, 1);
                break;
        }
        var changed = new float[n * k];
        _backend.Download(dw, changed.AsSpan());
        Assert.NotEqual(w, changed);
        Check(_backend, 400, n, k, true, dw, changed, seed: 22);
        Check(_backend, 400, n, k, true, dw, changed, seed: 23);
        Check(_backend, 400, n, k, true, dw, changed, seed: 24);
        Assert.Equal((2L, 1L), _backend.PanelStats);
    }

    [Fact]
    public void FewRowsPackPerCallAndKeepNoPanels() => AssertPacksPerCallAndKeepsNoPanels(_backend, 384, seed: 40, "for a 384-row GEMM");

    [Fact]
    public void TheCacheSwitchedOffPacksPerCallAndKeepsNoPanels()
    {
        using var backend = new CpuBackend { CacheWeightPanels = false };
        AssertPacksPerCallAndKeepsNoPanels(backend, 400, seed: 60, "with the cache off");
    }

    /// <summary>Four correct calls of one weight that pack nothing into the cache and hold no weight-sized memory.</summary>
    private static void AssertPacksPerCallAndKeepsNoPanels(CpuBackend backend, int rows, int seed, string when)
    {
        var w = Rand(100 * 769, seed);
        using var dw = Upload(backend, w);
        Check(backend, rows, 100, 769, true, dw, w, seed: seed);
        // Measured after the first call, which allocated the pooled A, bias and C buffers that the others reuse.
        long held = backend.BytesAllocated;
        for (int call = 1; call < 4; call++) Check(backend, rows, 100, 769, true, dw, w, seed: seed + call);
        Assert.Equal((0L, 0L), backend.PanelStats);
        Assert.True(backend.BytesAllocated - held < 100L * 769 * sizeof(float), $"panels were kept {when}");
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    public void TheEnvironmentVariableSetsTheDefault(string? value, bool cached) =>
        Assert.Equal(cached, CpuBackend.WeightCacheSetting(value));

    [Theory]
    [InlineData("yes")]
    [InlineData("2")]
    [InlineData(" 0")]
    public void ABadEnvironmentValueIsOneClearError(string value)
    {
        var e = Assert.Throws<BackendException>(() => CpuBackend.WeightCacheSetting(value));
        Assert.Equal($"TIPS_CPU_WEIGHT_CACHE must be 0 (pack weights on every call: less memory) or 1 (keep them packed: the default), got '{value}'", e.Message);
    }

    [Fact]
    public void RowRangesOfOneWeightKeepTheirOwnPanelsAndDisposeReleasesThem()
    {
        const int n = 96, k = 385;
        var w = Rand(3 * n * k, 4);
        long before = _backend.BytesAllocated;
        var dw = Upload(_backend, w);
        var third = dw.Slice(2L * n * k, (long)n * k);
        var thirdHost = w.AsSpan(2 * n * k, n * k).ToArray();
        Check(_backend, 390, 3 * n, k, true, dw, w, seed: 30);
        Check(_backend, 390, 3 * n, k, true, dw, w, seed: 31);
        Check(_backend, 390, n, k, true, third, thirdHost, seed: 32);
        Check(_backend, 390, n, k, true, third, thirdHost, seed: 33);
        Check(_backend, 390, n, k, true, third, thirdHost, seed: 34);
        Assert.Equal((2L, 1L), _backend.PanelStats);
        long held = _backend.BytesAllocated;
        dw.Dispose();
        Assert.True(held - _backend.BytesAllocated >= (long)n * k * sizeof(float),
            $"disposing the weight kept its panels: {held} -> {_backend.BytesAllocated} bytes (before it: {before})");
    }

    /// <summary>C = act(A op(W)^T-style Linear + bias) on a NaN-poisoned C against the float64 reference.</summary>
    private static void Check(CpuBackend backend, int m, int n, int k, bool transB, DeviceBuffer<float> dw, float[] w, int seed)
    {
        var a = Rand(m * k, seed);
        var bias = Rand(n, seed + 1000);
        var c0 = new float[m * n];
        Array.Fill(c0, float.NaN);
        int ldb = transB ? k : n;
        var (expected, scale) = RefGemm.Gemm(false, transB, m, n, k, 1, a, k, 0, w, ldb, 0, 0, c0, n, 0, 1, bias, Activation.Gelu);
        using var da = Upload(backend, a);
        using var dbias = Upload(backend, bias);
        using var dc = Upload(backend, c0);
        backend.Gemm(false, transB, m, n, k, 1f, da, k, 0, dw, ldb, 0, 0f, dc, n, 0, 1, dbias, Activation.Gelu);
        var c = new float[m * n];
        backend.Download(dc, c.AsSpan());
        for (int i = 0; i < c.Length; i++)
        {
            double tol = 1.2 * (1e-5 + 2.0 * k * Eps32 * scale[i]) + 2e-6 * Math.Abs(expected[i]);
            Assert.True(Math.Abs(c[i] - expected[i]) <= tol, $"m {m}, n {n}, k {k}: C[{i}] = {c[i]}, expected {expected[i]} (tol {tol:g3})");
        }
    }

    private static DeviceBuffer<float> Upload(CpuBackend backend, float[] host)
    {
        var buffer = backend.Allocate(host.Length);
        backend.Upload<float>(host, buffer);
        return buffer;
    }

    private static float[] Rand(int length, int seed) => GemmTestsBase.Rand(length, seed);
}
