using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tips.Kernels;

/// <summary>
/// dx += gelu'(x) * dy for the exact GELU, vectorised: gelu'(x) = 0.5 erfc(-x / sqrt 2) + x phi(x), with the erfc of
/// <see cref="GemmEpilogue"/> (the formula of <see cref="ActivationMath.Derivative"/>, so every backend agrees).
/// </summary>
internal static unsafe class GeluBackwardSimd
{
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;

    public static void Accumulate(float* x, float* dy, float* dx, int n)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            var half = Vector512.Create(0.5f);
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.Load(x + i);
                var d = half * GemmEpilogue.Erfc(-v * Vector512.Create(InvSqrt2))
                    + v * Vector512.Create(InvSqrt2Pi) * Vector512.Exp(-half * v * v);
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
}
