using Tips.Kernels;

namespace Tips.Tests.Reference;

/// <summary>
/// Float64 reference for GEMM and the row reductions: plain loops, no code shared with any backend.
/// Besides each value it returns an error scale, |alpha| sum_k |a||b| + |beta c| + |bias|, for K-aware tolerances.
/// </summary>
public static class RefGemm
{
    /// <summary>C_b = act(alpha op(A_b) op(B_b) + beta C_b + bias) over the m x n window of each batch entry (row-major m x n per batch).</summary>
    public static (double[] Value, double[] Scale) Gemm(bool transA, bool transB, int m, int n, int k,
        double alpha, float[] a, int lda, long strideA, float[] b, int ldb, long strideB,
        double beta, float[] c, int ldc, long strideC, int batch, float[]? bias, Activation activation)
    {
        var value = new double[batch * m * n];
        var scale = new double[batch * m * n];
        for (int bi = 0; bi < batch; bi++)
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = 0, abs = 0;
            for (int p = 0; p < k; p++)
            {
                double av = a[bi * strideA + (transA ? (long)p * lda + i : (long)i * lda + p)];
                double bv = b[bi * strideB + (transB ? (long)j * ldb + p : (long)p * ldb + j)];
                sum += av * bv;
                abs += Math.Abs(av * bv);
            }
            double v = alpha * sum, s = Math.Abs(alpha) * abs;
            if (beta != 0)
            {
                double cv = c[bi * strideC + (long)i * ldc + j];
                v += beta * cv;
                s += Math.Abs(beta * cv);
            }
            if (bias is not null)
            {
                v += bias[j];
                s += Math.Abs(bias[j]);
            }
            int o = (bi * m + i) * n + j;
            value[o] = Activate(activation, v);
            scale[o] = s;
        }
        return (value, scale);
    }

    /// <summary>y[b, c] = beta y[b, c] + alpha sum_r x[b, r, c] (beta == 0 ignores y).</summary>
    public static double[] SumRows(float[] x, float[] y, int batch, int rows, int cols, double alpha, double beta)
    {
        var r = new double[batch * cols];
        for (int b = 0; b < batch; b++)
        for (int c = 0; c < cols; c++)
        {
            double s = 0;
            for (int i = 0; i < rows; i++) s += x[(b * rows + i) * cols + c];
            r[b * cols + c] = alpha * s + (beta == 0 ? 0 : beta * y[b * cols + c]);
        }
        return r;
    }

    public static double Activate(Activation kind, double x) => kind switch
    {
        Activation.None => x,
        Activation.Gelu => 0.5 * x * Erfc(-x / Math.Sqrt(2)),
        Activation.GeluTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        Activation.Relu => Math.Max(x, 0),
        Activation.Silu => x / (1 + Math.Exp(-x)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>erfc in double: Maclaurin series of erf for |x| &lt; 3, continued fraction beyond.</summary>
    public static double Erfc(double x)
    {
        if (x <= -3) return 2 - Erfc(-x);
        if (x < 3)
        {
            double term = x, sum = x;
            for (int i = 1; i < 80; i++)
            {
                term *= -x * x / i;
                sum += term / (2 * i + 1);
            }
            return 1 - 2 / Math.Sqrt(Math.PI) * sum;
        }
        // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail.
        double f = x;
        for (int i = 60; i >= 1; i--) f = x + i / 2.0 / f;
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
