using Tips.Kernels;
using Tips.Tests.Reference;

namespace Tips.Tests.Kernels;

/// <summary>
/// GEMM, SumRows and BroadcastRows against the float64 reference. One subclass per backend supplies the backend
/// and may shrink the problem sizes (e.g. an emulated device).
/// </summary>
public abstract class GemmTestsBase : IDisposable
{
    private const double Eps32 = 1.1920929e-7;
    private IBackend? _backend;

    protected IBackend Backend => _backend ??= CreateBackend();

    protected abstract IBackend CreateBackend();

    /// <summary>(m, n, k) run with every transpose combination, tight and padded leading dimensions.</summary>
    protected virtual IEnumerable<(int M, int N, int K)> Shapes =>
    [
        (1, 1, 1), (1, 33, 7), (7, 1, 33), (7, 7, 7), (33, 197, 1), (197, 33, 33),
        (33, 7, 197), (1, 197, 1000), (197, 197, 1000), (130, 70, 300), (9, 4111, 530),
    ];

    /// <summary>Shape for the batched, alpha/beta and epilogue tests.</summary>
    protected virtual (int M, int N, int K) EpilogueShape => (37, 45, 261);

    /// <summary>(batch, rows, cols) for SumRows and BroadcastRows.</summary>
    protected virtual IEnumerable<(int Batch, int Rows, int Cols)> RowShapes => [(1, 1, 1), (2, 7, 33), (3, 33, 7), (1, 197, 197)];

    public void Dispose()
    {
        _backend?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void AllTransposeCombinationsMatchReference()
    {
        int seed = 1;
        foreach (var (m, n, k) in Shapes)
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        foreach (int pad in new[] { 0, 3 })
            Run(new Case(transA, transB, m, n, k, pad, 1, 1f, 0f, false, Activation.None, seed++));
    }

    [Fact]
    public void AlphaAndBetaScaleProductAndPriorC()
    {
        var (m, n, k) = EpilogueShape;
        Run(new Case(false, true, m, n, k, 2, 1, -0.75f, 1.5f, false, Activation.None, 11));
        Run(new Case(true, false, m, n, k, 0, 1, 2f, 1f, false, Activation.None, 12));
        Run(new Case(true, true, m, n, k, 1, 1, 0.5f, -1f, false, Activation.None, 13));
    }

    [Fact]
    public void BatchedWithStridesAndGaps()
    {
        var (m, n, k) = EpilogueShape;
        int seed = 20;
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        {
            Run(new Case(transA, transB, m, n, k, 1, 3, 1f, 0f, false, Activation.None, seed++));
            Run(new Case(transA, transB, m, n, k, 0, 2, 0.5f, 0.25f, true, Activation.None, seed++));
        }
        // enough entries to be spread over threads one entry each
        Run(new Case(false, true, m, n, k, 1, 8, 1f, 0f, true, Activation.Gelu, seed));
    }

    [Fact]
    public void BiasAndEveryActivation()
    {
        var (m, n, k) = EpilogueShape;
        int seed = 40;
        foreach (var act in Enum.GetValues<Activation>())
        {
            Run(new Case(false, true, m, n, k, 0, 1, 1f, 0f, true, act, seed++));
            Run(new Case(true, false, 7, 33, 7, 2, 2, -1.25f, 0.5f, true, act, seed++));
        }
    }

    [Fact]
    public void EmptyKGivesBetaCPlusBias()
    {
        Run(new Case(false, false, 5, 9, 0, 0, 1, 1f, 0f, true, Activation.None, 60));
        Run(new Case(false, true, 5, 9, 0, 1, 2, 1f, 0.5f, true, Activation.Relu, 61));
    }

    [Fact]
    public void RejectsInconsistentArguments()
    {
        using var a = Backend.Allocate(64);
        using var b = Backend.Allocate(64);
        using var c = Backend.Allocate(64);
        using var bias = Backend.Allocate(4);
        // lda < k
        Assert.Throws<BackendException>(() => Backend.Gemm(false, false, 4, 4, 8, 1f, a, 4, 0, b, 8, 0, 0f, c, 8, 0));
        // A too small for 9 x 8
        Assert.Throws<BackendException>(() => Backend.Gemm(false, false, 9, 4, 8, 1f, a, 8, 0, b, 4, 0, 0f, c, 4, 0));
        // C too small for the second batch entry
        Assert.Throws<BackendException>(() => Backend.Gemm(false, false, 4, 4, 4, 1f, a, 4, 16, b, 4, 16, 0f, c, 4, 50, batch: 2));
        // bias shorter than n
        Assert.Throws<BackendException>(() => Backend.Gemm(false, false, 2, 8, 2, 1f, a, 2, 0, b, 8, 0, 0f, c, 8, 0, 1, bias));
        Assert.Throws<BackendException>(() => Backend.Gemm(false, false, -1, 4, 4, 1f, a, 4, 0, b, 4, 0, 0f, c, 4, 0));
        // 17 x 4 rows do not fit in 64 elements; y of 4 is too short for 2 batch entries
        Assert.Throws<BackendException>(() => Backend.SumRows(a, bias, 1, 17, 4, 1f, 0f));
        Assert.Throws<BackendException>(() => Backend.BroadcastRows(bias, a, 2, 8, 4, 1f));
    }

    [Fact]
    public void SumRowsMatchesReference()
    {
        int seed = 70;
        foreach (var (batch, rows, cols) in RowShapes)
        foreach (var (alpha, beta) in new[] { (1f, 0f), (-0.5f, 1f), (2f, 0.25f) })
        {
            var x = Rand(batch * rows * cols, seed++);
            var y0 = beta == 0f ? Filled(batch * cols, float.NaN) : Rand(batch * cols, seed++);
            var expected = RefGemm.SumRows(x, y0, batch, rows, cols, alpha, beta);
            using var dx = Upload(x);
            using var dy = Upload(y0);
            Backend.SumRows(dx, dy, batch, rows, cols, alpha, beta);
            var y = Download(dy, y0.Length);
            for (int i = 0; i < y.Length; i++)
            {
                double tol = 1e-5 + 4 * rows * Eps32 * (Math.Abs(expected[i]) + rows);
                Assert.True(Math.Abs(y[i] - expected[i]) <= tol,
                    $"SumRows ({batch}, {rows}, {cols}) alpha {alpha} beta {beta}: y[{i}] = {y[i]}, expected {expected[i]}");
            }
        }
    }

    [Fact]
    public void BroadcastRowsAccumulates()
    {
        int seed = 90;
        foreach (var (batch, rows, cols) in RowShapes)
        {
            var dy = Rand(batch * cols, seed++);
            var prefill = Rand(batch * rows * cols, seed++);
            const float alpha = -1.5f;
            using var ddy = Upload(dy);
            using var ddx = Upload(prefill);
            Backend.BroadcastRows(ddy, ddx, batch, rows, cols, alpha);
            var dx = Download(ddx, prefill.Length);
            for (int b = 0; b < batch; b++)
            for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                int i = (b * rows + r) * cols + c;
                double expected = prefill[i] + (double)alpha * dy[b * cols + c];
                Assert.True(Math.Abs(dx[i] - expected) <= 1e-6 + 1e-6 * Math.Abs(expected),
                    $"BroadcastRows ({batch}, {rows}, {cols}): dx[{i}] = {dx[i]}, expected {expected}");
            }
        }
    }

    protected readonly record struct Case(bool TransA, bool TransB, int M, int N, int K, int Pad, int Batch,
        float Alpha, float Beta, bool Bias, Activation Activation, int Seed);

    /// <summary>
    /// Runs one GEMM with padded leading dimensions and gaps between batch entries. With beta == 0, C (padding
    /// included) is poisoned with NaN; otherwise it is random. Elements outside the m x n windows must stay untouched.
    /// </summary>
    protected void Run(Case t)
    {
        int aRows = t.TransA ? t.K : t.M, aCols = t.TransA ? t.M : t.K;
        int bRows = t.TransB ? t.N : t.K, bCols = t.TransB ? t.K : t.N;
        int lda = aCols + t.Pad, ldb = bCols + t.Pad, ldc = t.N + t.Pad;
        int gap = t.Batch > 1 ? 5 : 0;
        long strideA = (long)aRows * lda + gap, strideB = (long)bRows * ldb + gap, strideC = (long)t.M * ldc + gap;
        var a = Rand((int)(strideA * t.Batch) + 1, t.Seed * 3);
        var b = Rand((int)(strideB * t.Batch) + 1, t.Seed * 3 + 1);
        var c0 = t.Beta == 0f ? Filled((int)(strideC * t.Batch) + 1, float.NaN) : Rand((int)(strideC * t.Batch) + 1, t.Seed * 3 + 2);
        var bias = t.Bias ? Rand(t.N, t.Seed * 7) : null;
        var (expected, scale) = RefGemm.Gemm(t.TransA, t.TransB, t.M, t.N, t.K, t.Alpha, a, lda, strideA, b, ldb, strideB,
            t.Beta, c0, ldc, strideC, t.Batch, bias, t.Activation);

        using var da = Upload(a);
        using var db = Upload(b);
        using var dc = Upload(c0);
        using var dbias = bias is null ? null : Upload(bias);
        Backend.Gemm(t.TransA, t.TransB, t.M, t.N, t.K, t.Alpha, da, lda, strideA, db, ldb, strideB,
            t.Beta, dc, ldc, strideC, t.Batch, dbias, t.Activation);
        var c = Download(dc, c0.Length);

        var inside = new bool[c.Length];
        for (int bi = 0; bi < t.Batch; bi++)
        for (int i = 0; i < t.M; i++)
        for (int j = 0; j < t.N; j++)
        {
            long at = bi * strideC + (long)i * ldc + j;
            inside[at] = true;
            int o = (bi * t.M + i) * t.N + j;
            // K-aware GEMM bound on the pre-activation, carried through the activation (|f'| <= 1.13).
            double tol = 1e-5 + 2.0 * Math.Max(t.K, 1) * Eps32 * scale[o];
            if (t.Activation != Activation.None) tol = 1.2 * tol + 2e-6 * Math.Abs(expected[o]);
            Assert.True(Math.Abs(c[at] - expected[o]) <= tol,
                $"{t}: C[{bi}][{i},{j}] = {c[at]}, expected {expected[o]} (tol {tol:g3})");
        }
        for (int i = 0; i < c.Length; i++)
            if (!inside[i])
                Assert.True(c[i].Equals(c0[i]), $"{t}: element {i} outside C was overwritten ({c0[i]} -> {c[i]})");
    }

    private DeviceBuffer<float> Upload(float[] host)
    {
        var buffer = Backend.Allocate(host.Length);
        var view = buffer.Length == host.Length ? buffer : buffer.Slice(0, host.Length);
        Backend.Upload<float>(host, view);
        return view;
    }

    private float[] Download(DeviceBuffer<float> buffer, int length)
    {
        var host = new float[length];
        Backend.Download(buffer.Length == length ? buffer : buffer.Slice(0, length), host.AsSpan());
        return host;
    }

    internal static float[] Rand(int length, int seed)
    {
        var rng = new Random(seed);
        var r = new float[length];
        for (int i = 0; i < r.Length; i++) r[i] = (float)(rng.NextDouble() * 2 - 1);
        return r;
    }

    private static float[] Filled(int length, float value)
    {
        var r = new float[length];
        Array.Fill(r, value);
        return r;
    }
}

/// <summary>
/// The cpu backend's packed path (GemmDriver) where the shared shapes do not reach: several kc blocks (beta applied
/// once, the epilogue after the last block), 1026-row TIPS-sized tiles, partial tiles and slivers, packed A and B
/// split into several chunks, batch entries large enough to use every core each; and matrix-vector rows split over cores.
/// </summary>
public abstract class CpuGemmTestsBase : GemmTestsBase
{
    [Fact]
    public void PackedPathRowCountsAndDepths()
    {
        int seed = 100;
        // k = 769 and 1026 run three kc blocks of unequal or odd depth; n = 70 and 100 end in a partial sliver.
        foreach (var (m, n, k) in new[] { (7, 45, 385), (33, 100, 769), (197, 33, 1026), (1026, 70, 769) })
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
            Run(new Case(transA, transB, m, n, k, transA ? 3 : 0, 1, 1f, 0f, false, Activation.None, seed++));
    }

    [Fact]
    public void MatrixVectorRowsSplitOverCores()
    {
        // n x k >= 2^20 splits each row's columns over the cores; 1301 columns end in a partial group of four dots.
        int seed = 110;
        foreach (var (m, n, k) in new[] { (1, 1301, 809), (2, 1029, 1100) })
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
            Run(new Case(transA, transB, m, n, k, 1, 1, 1f, 0f, false, Activation.None, seed++));
        Run(new Case(false, true, 1, 1301, 809, 0, 2, -0.5f, 0.75f, true, Activation.Gelu, seed));
    }

    [Fact]
    public void PackedPathSplitsLargeOperandsIntoChunks()
    {
        // 3000 x 1500 of B and 1400 x 3000 of A exceed one packing chunk (2^22 floats).
        Run(new Case(false, true, 13, 1500, 3000, 0, 1, 1f, 0f, false, Activation.None, 120));
        Run(new Case(true, false, 13, 1500, 3000, 1, 1, 1f, 0f, false, Activation.None, 121));
        Run(new Case(false, false, 1400, 40, 3000, 0, 1, 1f, 0f, false, Activation.None, 122));
        Run(new Case(true, true, 1400, 40, 3000, 2, 1, 1f, 0f, false, Activation.None, 123));
    }

    [Fact]
    public void PackedPathEpilogueAndBetaOverSeveralDepthBlocks()
    {
        Run(new Case(false, true, 197, 100, 769, 1, 1, 0.75f, 0.5f, true, Activation.Gelu, 130));
        Run(new Case(true, false, 1026, 45, 769, 0, 1, -1f, 1f, true, Activation.Relu, 131));
        Run(new Case(false, false, 33, 70, 1026, 2, 3, 1.5f, 0f, true, Activation.GeluTanh, 132));
        Run(new Case(true, true, 197, 45, 769, 0, 2, 1f, 0.25f, true, Activation.Silu, 133));
    }
}

public sealed class CpuGemmTests : CpuGemmTestsBase
{
    protected override IBackend CreateBackend() => new CpuBackend();
}

/// <summary>The Vector256 micro-kernel that machines without AVX-512 use.</summary>
public sealed class CpuGemm256Tests : CpuGemmTestsBase
{
    protected override IBackend CreateBackend() => new CpuBackend { GemmVectorBits = 256 };
}
