using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tips.Kernels;

/// <summary>
/// Vectorised float exp for softmax-style kernels (Cephes expf: exp(x) = 2^n exp(r), |r| &lt;= ln2/2, degree-6
/// polynomial; relative error below 2.5e-7, about 2 ulp). Per element here: 0.8 ns, Vector.Exp (computes in double) 2.1 ns,
/// scalar MathF.Exp 4.2 ns.
/// Inputs below -87.3 (exp(x) under float's normal range) give 0, so masked scores of -inf give 0; inputs
/// above 88.37 (where 2^n would leave the exponent field) saturate at exp(88.37).
/// </summary>
internal static class CpuExp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        var tiny = Vector.LessThan(x, new Vector<float>(-87.3f));
        x = Vector.MaxNative(Vector.MinNative(x, new Vector<float>(88.37f)), new Vector<float>(-87.3f));
        // Adding 1.5 * 2^23 rounds x log2(e) to the nearest integer n, which lands in the low mantissa bits of t.
        var t = Vector.FusedMultiplyAdd(x, new Vector<float>(1.44269504088896341f), new Vector<float>(12582912f));
        var n = t - new Vector<float>(12582912f);
        var r = Vector.FusedMultiplyAdd(n, new Vector<float>(-0.693359375f), x);
        r = Vector.FusedMultiplyAdd(n, new Vector<float>(2.12194440e-4f), r);
        var p = new Vector<float>(1.9875691500E-4f);
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1.3981999507E-3f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(8.3334519073E-3f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(4.1665795894E-2f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1.6666665459E-1f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(5.0000001201E-1f));
        p = Vector.FusedMultiplyAdd(p * r, r, r + Vector<float>.One);
        // 2^n: n's bits shifted into the exponent field (the magic constant's own bits shift out), plus the bias.
        var pow2 = Vector.AsVectorSingle(Vector.ShiftLeft(Vector.AsVectorInt32(t), 23) + new Vector<int>(127 << 23));
        return Vector.ConditionalSelect(tiny, Vector<float>.Zero, p * pow2);
    }

    /// <summary>
    /// The same reduction and polynomial on 16 lanes, for AVX-512 (callers check Avx512F.IsSupported): n by
    /// vrndscaleps, 2^n applied by vscalefps, which needs no exponent-field arithmetic and underflows gradually.
    /// Inputs are clamped to [-110, 88.72]: -inf (and anything below -103.3) gives 0, the top stays finite.
    /// Per element (one thread, in L1, machine under heavy load, same run): 0.56-0.73 ns against 0.82-1.27 ns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.MaxNative(Vector512.MinNative(x, Vector512.Create(88.72f)), Vector512.Create(-110f));
        var n = Avx512F.RoundScale(x * Vector512.Create(1.44269504088896341f), 0);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
        var p = Vector512.Create(1.9875691500E-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507E-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073E-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894E-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459E-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201E-1f));
        p = Vector512.FusedMultiplyAdd(p * r, r, r + Vector512<float>.One);
        return Avx512F.Scale(p, n);
    }
}
