using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tips.Kernels;

/// <summary>
/// The exact GELU of the training ops, vectorised: gelu(x) = 0.5 x erfc(-x / sqrt 2) and
/// gelu'(x) = 0.5 erfc(-x / sqrt 2) + x phi(x), with erfc(z) = t exp(P(t) - z^2), t = 1 / (1 + z / 2) for z &gt;= 0 (the
/// rational form of <see cref="ActivationMath"/>, fractional error below 1.2e-7), so every backend computes the same
/// function. On AVX-512 the exponentials are <see cref="CpuExp"/>'s (2-3x faster than Vector512.Exp, which computes
/// in double) and t is a 14-bit reciprocal refined by one Newton step (relative error ~1e-8, instead of a division).
/// Between 16 % and 20 % of a training step went to these loops before.
/// </summary>
internal static unsafe class GeluSimd
{
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;

    /// <summary>y = gelu(x); y may be x.</summary>
    public static void Forward(float* x, float* y, int n)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.Load(x + i);
                var w = -v * Vector512.Create(InvSqrt2);
                // Clamped: rcp14 and its Newton step give NaN at z = inf; erfc(100) underflows to 0 as erfc(inf) does.
                var z = Vector512.MinNative(Vector512.Abs(w), Vector512.Create(100f));
                var t = Reciprocal512(z);
                var r = t * CpuExp.Exp(Poly512(t) - z * z);
                var erfc = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(w, Vector512<float>.Zero), r, Vector512.Create(2f) - r);
                (Vector512.Create(0.5f) * v * erfc).Store(y + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.Load(x + i);
                (Vector256.Create(0.5f) * v * GemmEpilogue.Erfc(-v * Vector256.Create(InvSqrt2))).Store(y + i);
            }
        }
        for (; i < n; i++) y[i] = ActivationMath.Forward(Activation.Gelu, x[i]);
    }

    /// <summary>dx += gelu'(x) dy.</summary>
    public static void Accumulate(float* x, float* dy, float* dx, int n)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            var half = Vector512.Create(0.5f);
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.Load(x + i);
                var w = -v * Vector512.Create(InvSqrt2);
                // Clamped: rcp14 and its Newton step give NaN at z = inf; erfc(100) underflows to 0 as erfc(inf) does.
                var z = Vector512.MinNative(Vector512.Abs(w), Vector512.Create(100f));
                // exp(-z^2) = exp(-x^2 / 2) serves both erfc and phi.
                var gauss = CpuExp.Exp(-(z * z));
                var t = Reciprocal512(z);
                var r = t * CpuExp.Exp(Poly512(t)) * gauss;
                var erfc = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(w, Vector512<float>.Zero), r, Vector512.Create(2f) - r);
                var d = Vector512.FusedMultiplyAdd(half, erfc, v * Vector512.Create(InvSqrt2Pi) * gauss);
                Vector512.FusedMultiplyAdd(d, Vector512.Load(dy + i), Vector512.Load(dx + i)).Store(dx + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var half = Vector256.Create(0.5f);
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.Load(x + i);
                var d = half * GemmEpilogue.Erfc(-v * Vector256.Create(InvSqrt2))
                    + v * Vector256.Create(InvSqrt2Pi) * Vector256.Exp(-half * v * v);
                Vector256.FusedMultiplyAdd(d, Vector256.Load(dy + i), Vector256.Load(dx + i)).Store(dx + i);
            }
        }
        for (; i < n; i++) dx[i] += ActivationMath.Derivative(Activation.Gelu, x[i]) * dy[i];
    }

    /// <summary>t = 1 / (1 + z / 2), z &gt;= 0: rcp14 and one Newton step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Reciprocal512(Vector512<float> z)
    {
        var a = Vector512.FusedMultiplyAdd(z, Vector512.Create(0.5f), Vector512<float>.One);
        var t = Avx512F.Reciprocal14(a);
        return t * Vector512.FusedMultiplyAdd(-a, t, Vector512.Create(2f));
    }

    /// <summary>P(t) of the rational erfc (Numerical Recipes' erfcc coefficients, as in ActivationMath).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Poly512(Vector512<float> t)
    {
        var p = Vector512.Create(0.17087277f);
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(-0.82215223f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(1.48851587f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(-1.13520398f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(0.27886807f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(-0.18628806f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(0.09678418f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(0.37409196f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(1.00002368f));
        return Vector512.FusedMultiplyAdd(p, t, Vector512.Create(-1.26551223f));
    }
}
