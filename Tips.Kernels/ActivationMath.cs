namespace Tips.Kernels;

/// <summary>
/// Scalar float activations and their derivatives, shared by every backend's kernels (plain arithmetic and
/// MathF only, so ILGPU can compile them).
/// </summary>
public static class ActivationMath
{
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;
    private const float Sqrt2OverPi = 0.79788456080286536f;

    /// <summary>Coefficients of erfcc's P(t) = C0 + C1 t + ... + C9 t^9, shared with the vector versions (ErfcSimd).</summary>
    internal const float ErfcC0 = -1.26551223f, ErfcC1 = 1.00002368f, ErfcC2 = 0.37409196f, ErfcC3 = 0.09678418f,
        ErfcC4 = -0.18628806f, ErfcC5 = 0.27886807f, ErfcC6 = -1.13520398f, ErfcC7 = 1.48851587f, ErfcC8 = -0.82215223f,
        ErfcC9 = 0.17087277f;

    /// <summary>
    /// Complementary error function, Chebyshev fit with fractional error below 1.2e-7 everywhere
    /// (Numerical Recipes' erfcc); GELU is written through erfc so that it keeps relative accuracy for x &lt;&lt; 0.
    /// </summary>
    public static float Erfc(float x)
    {
        float z = MathF.Abs(x);
        float t = 1f / (1f + 0.5f * z);
        float poly = ErfcC0 + t * (ErfcC1 + t * (ErfcC2 + t * (ErfcC3 + t * (ErfcC4
            + t * (ErfcC5 + t * (ErfcC6 + t * (ErfcC7 + t * (ErfcC8 + t * ErfcC9))))))));
        float r = t * MathF.Exp(-z * z + poly);
        return x >= 0f ? r : 2f - r;
    }

    public static float Forward(Activation kind, float x) => kind switch
    {
        Activation.Gelu => 0.5f * x * Erfc(-x * InvSqrt2),
        Activation.GeluTanh => 0.5f * x * (1f + MathF.Tanh(Sqrt2OverPi * (x + 0.044715f * x * x * x))),
        Activation.Relu => x > 0f ? x : 0f,
        Activation.Silu => x / (1f + MathF.Exp(-x)),
        _ => x,
    };

    /// <summary>d f / d x.</summary>
    public static float Derivative(Activation kind, float x)
    {
        switch (kind)
        {
            case Activation.Gelu:
                return 0.5f * Erfc(-x * InvSqrt2) + x * InvSqrt2Pi * MathF.Exp(-0.5f * x * x);
            case Activation.GeluTanh:
            {
                float u = Sqrt2OverPi * (x + 0.044715f * x * x * x);
                float th = MathF.Tanh(u);
                return 0.5f * (1f + th) + 0.5f * x * (1f - th * th) * Sqrt2OverPi * (1f + 3f * 0.044715f * x * x);
            }
            case Activation.Relu:
                return x > 0f ? 1f : 0f;
            case Activation.Silu:
            {
                float s = 1f / (1f + MathF.Exp(-x));
                return s * (1f + x * (1f - s));
            }
            default:
                return 1f;
        }
    }
}
