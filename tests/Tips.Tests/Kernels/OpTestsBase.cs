using Tips.Kernels;
using Tips.Tests.Reference;

namespace Tips.Tests.Kernels;

/// <summary>
/// Every op of a backend (except GEMM, SumRows, BroadcastRows) against the float64 references on random inputs at
/// several odd shapes. Forward outputs are poisoned with NaN first, so an unwritten element fails; gradient buffers
/// are prefilled with random values (backward ops accumulate) and the prefill is subtracted before comparing.
/// One subclass per backend; shape lists are virtual so slow backends (the ILGPU emulator) can use tiny ones.
/// </summary>
public abstract partial class OpTestsBase : IDisposable
{
    private IBackend? _backend;

    protected Random Rng { get; } = new(20260);

    protected IBackend Backend => _backend ??= CreateBackend();

    protected abstract IBackend CreateBackend();

    /// <summary>(rows, cols) for the row-wise ops; the largest should exceed the backend's parallel threshold.</summary>
    protected virtual (int Rows, int Cols)[] RowShapes => [(1, 17), (7, 1), (33, 100), (197, 768)];

    /// <summary>Flat lengths for the elementwise ops.</summary>
    protected virtual int[] Lengths => [1, 7, 33, 197 * 768 + 5];

    /// <summary>(batch, tokens, heads) for attention; combined with every entry of <see cref="AttentionHeadDims"/>.</summary>
    protected virtual (int Batch, int Tokens, int Heads)[] AttentionShapes => [(1, 1, 1), (2, 7, 2), (3, 33, 2), (1, 197, 2)];

    protected virtual int[] AttentionHeadDims => [32, 64, 72];

    /// <summary>(batch, tokens, k) for the masked-patch loss.</summary>
    protected virtual (int Batch, int Tokens, int K)[] PatchLossShapes => [(1, 1, 3), (3, 7, 16), (2, 33, 65)];

    /// <summary>(batch, height, width, patch) for patchify.</summary>
    protected virtual (int Batch, int Height, int Width, int Patch)[] PatchifyShapes => [(1, 3, 3, 1), (2, 6, 4, 2), (2, 28, 42, 14)];

    /// <summary>(batch, inH, inW, outH, outW, channels) for resize: down, up, mixed and identity.</summary>
    protected virtual (int Batch, int InH, int InW, int OutH, int OutW, int Channels)[] ResizeShapes =>
        [(1, 5, 7, 3, 4, 3), (2, 4, 4, 7, 9, 1), (1, 32, 32, 24, 40, 8), (1, 3, 5, 3, 5, 2)];

    public virtual void Dispose()
    {
        _backend?.Dispose();
        GC.SuppressFinalize(this);
    }

    // ---- helpers ------------------------------------------------------------------------------

    protected float[] RandomFloats(int n, float scale = 1f, float offset = 0f)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = offset + scale * (2f * Rng.NextSingle() - 1f);
        return a;
    }

    protected static double[] D(float[] a) => Array.ConvertAll(a, v => (double)v);

    protected DeviceBuffer<float> Upload(float[] data)
    {
        var b = Backend.Allocate(data.Length);
        Backend.Upload<float>(data, b);
        return b;
    }

    protected DeviceBuffer<float> Poisoned(int n)
    {
        var data = new float[n];
        Array.Fill(data, float.NaN);
        return Upload(data);
    }

    protected float[] Download(DeviceBuffer<float> b)
    {
        var data = new float[b.Length];
        Backend.Download(b, data);
        return data;
    }

    /// <summary>|actual - expected| &lt;= atol + rtol |expected| everywhere; infinities must match exactly.</summary>
    protected static void AssertClose(string what, double[] expected, float[] actual, double atol, double rtol) =>
        AssertCloseCore(what, expected, D(actual), atol, rtol);

    /// <summary>Compares an accumulated gradient: (actual - prefill), in double, against the reference.</summary>
    protected static void AssertGradient(string what, double[] expected, float[] prefill, float[] actual, double atol, double rtol)
    {
        Assert.Equal(prefill.Length, actual.Length);
        var delta = new double[actual.Length];
        for (int i = 0; i < actual.Length; i++) delta[i] = (double)actual[i] - prefill[i];
        // The float32 sum prefill + gradient rounds to half an ulp of the O(1) prefill.
        AssertCloseCore(what, expected, delta, atol + 1.2e-7, rtol);
    }

    private static void AssertCloseCore(string what, double[] expected, double[] actual, double atol, double rtol)
    {
        Assert.Equal(expected.Length, actual.Length);
        int bad = 0, first = -1;
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            bool ok = double.IsInfinity(expected[i])
                ? actual[i] == expected[i]
                : Math.Abs(actual[i] - expected[i]) <= atol + rtol * Math.Abs(expected[i]);
            if (!ok)
            {
                bad++;
                if (first < 0) first = i;
            }
            if (!double.IsInfinity(expected[i])) worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
        }
        if (bad > 0)
        {
            var sample = string.Join(", ", Enumerable.Range(first, Math.Min(5, expected.Length - first))
                .Select(i => $"[{i}] {actual[i]:G9} vs {expected[i]:G9}"));
            Assert.Fail($"{what}: {bad} of {expected.Length} elements off (max |d| {worst:G3}); first: {sample}");
        }
    }
}
