namespace Tips.Tests.Reference;

/// <summary>Float64 activations with their own erf (independent of Tips.Kernels.ActivationMath), and SwiGLU.</summary>
public static class RefActivations
{
    public enum Kind { None, Gelu, GeluTanh, Relu, Silu }

    /// <summary>
    /// erfc in double: for x &lt; 2 through erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1 3 5 ... (2n+1))
    /// (positive terms, no cancellation), beyond through Laplace's continued fraction.
    /// </summary>
    public static double Erfc(double x)
    {
        if (x < 0) return 2 - Erfc(-x);
        if (x < 2)
        {
            double term = x, sum = x;
            for (int n = 1; n < 100; n++)
            {
                term *= 2 * x * x / (2 * n + 1);
                sum += term;
            }
            return 1 - 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
        }
        // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated bottom-up.
        double f = x;
        for (int n = 400; n >= 1; n--) f = x + n / 2.0 / f;
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }

    public static double Forward(Kind kind, double x) => kind switch
    {
        Kind.Gelu => x * 0.5 * Erfc(-x / Math.Sqrt(2)),
        Kind.GeluTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        Kind.Relu => Math.Max(x, 0),
        Kind.Silu => x / (1 + Math.Exp(-x)),
        _ => x,
    };

    public static double Derivative(Kind kind, double x)
    {
        switch (kind)
        {
            case Kind.Gelu:
                return 0.5 * Erfc(-x / Math.Sqrt(2)) + x * Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI);
            case Kind.GeluTanh:
            {
                double a = Math.Sqrt(2 / Math.PI);
                double th = Math.Tanh(a * (x + 0.044715 * x * x * x));
                return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * a * (1 + 3 * 0.044715 * x * x);
            }
            case Kind.Relu:
                return x > 0 ? 1 : 0;
            case Kind.Silu:
            {
                double s = 1 / (1 + Math.Exp(-x));
                return s + x * s * (1 - s);
            }
            default:
                return 1;
        }
    }

    /// <summary>y[r, j] = silu(x[r, j]) * x[r, hidden + j].</summary>
    public static double[] SwiGluForward(double[] x, int rows, int hidden)
    {
        var y = new double[rows * hidden];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < hidden; j++)
                y[r * hidden + j] = Forward(Kind.Silu, x[r * 2 * hidden + j]) * x[r * 2 * hidden + hidden + j];
        return y;
    }

    public static double[] SwiGluBackward(double[] x, double[] dy, int rows, int hidden)
    {
        var dx = new double[rows * 2 * hidden];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < hidden; j++)
            {
                double a = x[r * 2 * hidden + j], b = x[r * 2 * hidden + hidden + j], g = dy[r * hidden + j];
                dx[r * 2 * hidden + j] = Derivative(Kind.Silu, a) * b * g;
                dx[r * 2 * hidden + hidden + j] = Forward(Kind.Silu, a) * g;
            }
        return dx;
    }
}
