using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tips.Kernels;

/// <summary>
/// AVX-512 (16 floats) versions of the <see cref="CpuSimd"/> row helpers, used when <see cref="IsSupported"/>.
/// .NET reports Vector512 as not accelerated on CPUs that downclock under 512-bit loads, so Vector&lt;T&gt; stays
/// 256 bits there; these paths are chosen on Avx512F directly (as the GEMM is), since the row ops are
/// memory- or exp-bound and gain more from half the instruction count than they lose to the lower clock.
/// Any length works: whole 16-float blocks, then scalar tails. Loads use refs without bounds checks; each method
/// checks span lengths once at the top.
/// </summary>
internal static class CpuSimd512
{
    public static bool IsSupported => Avx512F.IsSupported;

    public static float Max(ReadOnlySpan<float> x)
    {
        ref float p = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        float m = float.NegativeInfinity;
        if (n >= 32)
        {
            var a0 = Vector512.LoadUnsafe(ref p);
            var a1 = Vector512.LoadUnsafe(ref p, 16);
            for (i = 32; i + 32 <= n; i += 32)
            {
                a0 = Vector512.MaxNative(a0, Vector512.LoadUnsafe(ref p, (nuint)i));
                a1 = Vector512.MaxNative(a1, Vector512.LoadUnsafe(ref p, (nuint)i + 16));
            }
            var a = Vector512.MaxNative(a0, a1);
            var h = Vector128.MaxNative(Vector256.MaxNative(a.GetLower(), a.GetUpper()).GetLower(), Vector256.MaxNative(a.GetLower(), a.GetUpper()).GetUpper());
            m = MathF.Max(MathF.Max(h[0], h[1]), MathF.Max(h[2], h[3]));
        }
        for (; i < n; i++) m = MathF.Max(m, Unsafe.Add(ref p, i));
        return m;
    }

    public static float Min(ReadOnlySpan<float> x)
    {
        ref float p = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        float m = float.PositiveInfinity;
        if (n >= 32)
        {
            var a0 = Vector512.LoadUnsafe(ref p);
            var a1 = Vector512.LoadUnsafe(ref p, 16);
            for (i = 32; i + 32 <= n; i += 32)
            {
                a0 = Vector512.MinNative(a0, Vector512.LoadUnsafe(ref p, (nuint)i));
                a1 = Vector512.MinNative(a1, Vector512.LoadUnsafe(ref p, (nuint)i + 16));
            }
            var a = Vector512.MinNative(a0, a1);
            var h = Vector128.MinNative(Vector256.MinNative(a.GetLower(), a.GetUpper()).GetLower(), Vector256.MinNative(a.GetLower(), a.GetUpper()).GetUpper());
            m = MathF.Min(MathF.Min(h[0], h[1]), MathF.Min(h[2], h[3]));
        }
        for (; i < n; i++) m = MathF.Min(m, Unsafe.Add(ref p, i));
        return m;
    }

    /// <summary>y = alpha * x (y may be x).</summary>
    public static void Scaled(ReadOnlySpan<float> x, float alpha, Span<float> y)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        var a = Vector512.Create(alpha);
        for (; i + 16 <= n; i += 16) (Vector512.LoadUnsafe(ref px, (nuint)i) * a).StoreUnsafe(ref py, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref py, i) = alpha * Unsafe.Add(ref px, i);
    }

    /// <summary>y = exp(scale * x - shift) (y may be x); returns sum y.</summary>
    public static float ExpScaled(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("y is shorter than x", nameof(y));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        var sc = Vector512.Create(scale);
        var sh = Vector512.Create(-shift);
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        for (; i + 32 <= n; i += 32)
        {
            var e0 = CpuExp.Exp(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref px, (nuint)i), sc, sh));
            var e1 = CpuExp.Exp(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref px, (nuint)i + 16), sc, sh));
            e0.StoreUnsafe(ref py, (nuint)i);
            e1.StoreUnsafe(ref py, (nuint)i + 16);
            acc0 += e0;
            acc1 += e1;
        }
        if (i + 16 <= n)
        {
            var e = CpuExp.Exp(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref px, (nuint)i), sc, sh));
            e.StoreUnsafe(ref py, (nuint)i);
            acc0 += e;
            i += 16;
        }
        float sum = Vector512.Sum(acc0 + acc1);
        for (; i < n; i++)
        {
            float e = MathF.Exp(scale * Unsafe.Add(ref px, i) - shift);
            Unsafe.Add(ref py, i) = e;
            sum += e;
        }
        return sum;
    }

    /// <summary>As <see cref="CpuSimd.MeanVariance"/>: one pass over x - x[0] and its squares.</summary>
    public static (float Mean, float Variance) MeanVariance(ReadOnlySpan<float> x)
    {
        int n = x.Length, i = 0;
        if (n == 0) return (0f, 0f);
        ref float p = ref MemoryMarshal.GetReference(x);
        float shift = p;
        var sh = Vector512.Create(shift);
        Vector512<float> s0 = Vector512<float>.Zero, s1 = s0, q0 = s0, q1 = s0;
        for (; i + 32 <= n; i += 32)
        {
            var d0 = Vector512.LoadUnsafe(ref p, (nuint)i) - sh;
            var d1 = Vector512.LoadUnsafe(ref p, (nuint)i + 16) - sh;
            s0 += d0;
            s1 += d1;
            q0 = Vector512.FusedMultiplyAdd(d0, d0, q0);
            q1 = Vector512.FusedMultiplyAdd(d1, d1, q1);
        }
        if (i + 16 <= n)
        {
            var d = Vector512.LoadUnsafe(ref p, (nuint)i) - sh;
            s0 += d;
            q0 = Vector512.FusedMultiplyAdd(d, d, q0);
            i += 16;
        }
        float s = Vector512.Sum(s0 + s1), q = Vector512.Sum(q0 + q1);
        for (; i < n; i++)
        {
            float d = Unsafe.Add(ref p, i) - shift;
            s += d;
            q += d * d;
        }
        float meanShifted = s / n;
        return (shift + meanShifted, MathF.Max(q / n - meanShifted * meanShifted, 0f));
    }

    /// <summary>y = (x - mu) * rstd * gamma + beta.</summary>
    public static void Normalize(ReadOnlySpan<float> x, float mu, float rstd, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y)
    {
        int n = x.Length, i = 0;
        if (gamma.Length < n || beta.Length < n || y.Length < n)
            throw new ArgumentException("gamma, beta and y must be as long as x");
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pg = ref MemoryMarshal.GetReference(gamma);
        ref float pb = ref MemoryMarshal.GetReference(beta);
        ref float py = ref MemoryMarshal.GetReference(y);
        var m = Vector512.Create(mu);
        var rs = Vector512.Create(rstd);
        for (; i + 16 <= n; i += 16)
        {
            var xh = (Vector512.LoadUnsafe(ref px, (nuint)i) - m) * rs;
            Vector512.FusedMultiplyAdd(xh, Vector512.LoadUnsafe(ref pg, (nuint)i), Vector512.LoadUnsafe(ref pb, (nuint)i))
                .StoreUnsafe(ref py, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref py, i) = (Unsafe.Add(ref px, i) - mu) * rstd * Unsafe.Add(ref pg, i) + Unsafe.Add(ref pb, i);
    }
}
