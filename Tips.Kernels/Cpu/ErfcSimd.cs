using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Tips.Kernels.ActivationMath;

namespace Tips.Kernels;

/// <summary>
/// The rational erfc of <see cref="ActivationMath"/> (Numerical Recipes' erfcc: erfc(z) = t exp(P(t) - z^2),
/// t = 1 / (1 + z / 2) for z &gt;= 0, fractional error below 1.2e-7) on vectors, for the exact GELU of the GEMM
/// epilogue and of the training ops, so that every backend computes the same function.
/// </summary>
internal static class ErfcSimd
{
    /// <summary>AVX-512 only: CpuExp's exponential, and t as a 14-bit reciprocal refined by one Newton step (relative
    /// error ~1e-8) instead of a division.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erfc(Vector512<float> x)
    {
        var z = Magnitude(x);
        var t = Reciprocal(z);
        return Reflect(x, t * CpuExp.Exp(Poly(t) - z * z));
    }

    /// <summary>z = |x| clamped to 100: rcp14 and its Newton step give NaN at z = inf, and erfc(100) underflows to 0
    /// as erfc(inf) does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Magnitude(Vector512<float> x) => Vector512.MinNative(Vector512.Abs(x), Vector512.Create(100f));

    /// <summary>erfc(x) from r = erfc(|x|): r for x &gt;= 0, 2 - r below.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Reflect(Vector512<float> x, Vector512<float> r) =>
        Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), r, Vector512.Create(2f) - r);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erfc(Vector256<float> x)
    {
        var z = Vector256.Abs(x);
        var t = Vector256<float>.One / (Vector256<float>.One + Vector256.Create(0.5f) * z);
        var r = t * Vector256.Exp(Poly(t) - z * z);
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), r, Vector256.Create(2f) - r);
    }

    /// <summary>t = 1 / (1 + z / 2), z &gt;= 0: rcp14 and one Newton step (AVX-512 only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Reciprocal(Vector512<float> z)
    {
        var a = Vector512.FusedMultiplyAdd(z, Vector512.Create(0.5f), Vector512<float>.One);
        var t = Avx512F.Reciprocal14(a);
        return t * Vector512.FusedMultiplyAdd(-a, t, Vector512.Create(2f));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Poly(Vector512<float> t)
    {
        var p = Vector512.Create(ErfcC9);
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(ErfcC8));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(ErfcC7));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(ErfcC6));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(ErfcC5));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(ErfcC4));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(ErfcC3));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(ErfcC2));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(ErfcC1));
        return Vector512.FusedMultiplyAdd(p, t, Vector512.Create(ErfcC0));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Poly(Vector256<float> t)
    {
        var p = Vector256.Create(ErfcC9);
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(ErfcC8));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(ErfcC7));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(ErfcC6));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(ErfcC5));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(ErfcC4));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(ErfcC3));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(ErfcC2));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(ErfcC1));
        return Vector256.FusedMultiplyAdd(p, t, Vector256.Create(ErfcC0));
    }
}
