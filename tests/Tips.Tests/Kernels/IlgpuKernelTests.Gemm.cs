using Tips.Kernels;

namespace Tips.Tests.Kernels;

public abstract partial class IlgpuKernelTests
{
    public static TheoryData<bool, bool> Transposes => new() { { false, false }, { true, false }, { false, true }, { true, true } };

    /// <summary>
    /// m, n, k are not multiples of any tile; lda/ldb/ldc exceed the minimum, the batch stride exceeds the matrix,
    /// alpha and beta are not 1, bias and GELU epilogue on. The bound grows with k (|A||B| k eps).
    /// </summary>
    [Theory]
    [MemberData(nameof(Transposes))]
    public void GemmMatchesReference(bool transA, bool transB)
    {
        const int m = 9, n = 11, k = 13, batch = 2;
        int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + 2, ldb = bCols + 1, ldc = n + 3;
        long sa = aRows * lda + 5, sb = bRows * ldb + 2, sc = m * ldc + 4;
        var a = Rand((int)(batch * sa), 40);
        var b = Rand((int)(batch * sb), 41);
        var c0 = Rand((int)(batch * sc), 42);
        var bias = Rand(n, 43);
        const float alpha = 0.75f, beta = -0.5f;
        using var cb = Up(c0);
        B.Gemm(transA, transB, m, n, k, alpha, Up(a), lda, sa, Up(b), ldb, sb, beta, cb, ldc, sc, batch, Up(bias), Activation.Gelu);
        var want = D(c0);
        var bound = new double[want.Length];
        for (int p = 0; p < batch; p++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0, mag = 0;
                    for (int q = 0; q < k; q++)
                    {
                        double av = transA ? a[p * sa + q * lda + i] : a[p * sa + i * lda + q];
                        double bv = transB ? b[p * sb + j * ldb + q] : b[p * sb + q * ldb + j];
                        s += av * bv;
                        mag += Math.Abs(av * bv);
                    }
                    long at = p * sc + i * ldc + j;
                    double v = alpha * s + beta * c0[at] + bias[j];
                    want[at] = 0.5 * v * (1 + Erf(v / Math.Sqrt(2)));
                    bound[at] = 4 * k * 6e-8 * (mag + Math.Abs(c0[at]) + 1);
                }
        var got = Down(cb);
        for (int i = 0; i < got.Length; i++)
            Assert.True(Math.Abs(got[i] - want[i]) <= bound[i] + 1e-6, $"C[{i}] got {got[i]} want {want[i]} (bound {bound[i]:G3}); elements outside C must be untouched");
    }

    /// <summary>beta = 0 must ignore C (poisoned with NaN); k = 0 gives act(beta C + bias).</summary>
    [Fact]
    public void GemmBetaZeroAndEmptyK()
    {
        const int m = 6, n = 5, k = 7;
        var a = Rand(m * k, 44);
        var b = Rand(n * k, 45);
        using var c = Poisoned(m * n);
        B.Gemm(false, true, m, n, k, 1f, Up(a), k, 0, Up(b), k, 0, 0f, c, n, 0);
        var want = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int q = 0; q < k; q++) want[i * n + j] += (double)a[i * k + q] * b[j * k + q];
        Close(Down(c), want, 1e-5, 1e-5, "Linear beta 0");

        var bias = Rand(n, 46);
        B.Gemm(false, false, m, n, 0, 1f, B.Allocate(1), 1, 0, B.Allocate(1), n, 0, 0f, c, n, 0, 1, Up(bias), Activation.Relu);
        Close(Down(c), Enumerable.Range(0, m * n).Select(i => Math.Max(0.0, bias[i % n])).ToArray(), 0, 0, "k = 0");

        Assert.Throws<BackendException>(() => B.Gemm(false, false, m, n, k, 1f, Up(a), k - 1, 0, Up(b), n, 0, 0f, c, n, 0));
    }
}
