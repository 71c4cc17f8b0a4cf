using System.Numerics;
using System.Runtime.InteropServices;

namespace Tips.Kernels;

/// <summary>Vector&lt;T&gt; span helpers for the memory-bound cpu ops; long rows go to <see cref="CpuSimd512"/> on AVX-512 machines.</summary>
internal static class CpuSimd
{
    /// <summary>Runs body(i0, i1) over flat index ranges of a length-n array, in parallel when large.</summary>
    public static void ForFlat(int n, Action<int, int> body)
    {
        const int block = 1 << 14;
        int blocks = (n + block - 1) / block;
        CpuRows.For(blocks, block, (b0, b1) => body(b0 * block, Math.Min(n, b1 * block)));
    }

    /// <summary>y += alpha * x.</summary>
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
            var yv = MemoryMarshal.Cast<float, Vector<float>>(y);
            var a = new Vector<float>(alpha);
            for (int j = 0; j < xv.Length; j++) yv[j] += a * xv[j];
            i = xv.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) y[i] += alpha * x[i];
    }

    /// <summary>y += a * b elementwise (layer-scaled residuals and their gradients).</summary>
    public static void MultiplyAdd(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && y.Length >= Vector<float>.Count)
        {
            var av = MemoryMarshal.Cast<float, Vector<float>>(a[..y.Length]);
            var bv = MemoryMarshal.Cast<float, Vector<float>>(b[..y.Length]);
            var yv = MemoryMarshal.Cast<float, Vector<float>>(y);
            for (int j = 0; j < yv.Length; j++) yv[j] = Vector.FusedMultiplyAdd(av[j], bv[j], yv[j]);
            i = yv.Length * Vector<float>.Count;
        }
        for (; i < y.Length; i++) y[i] += a[i] * b[i];
    }

    /// <summary>y = alpha * x (y may be x).</summary>
    public static void Scaled(ReadOnlySpan<float> x, float alpha, Span<float> y)
    {
        if (CpuSimd512.IsSupported && x.Length >= 16) { CpuSimd512.Scaled(x, alpha, y); return; }
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
            var yv = MemoryMarshal.Cast<float, Vector<float>>(y);
            var a = new Vector<float>(alpha);
            for (int j = 0; j < xv.Length; j++) yv[j] = a * xv[j];
            i = xv.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) y[i] = alpha * x[i];
    }

    /// <summary>y[i] = p[i] * (y[i] - shift): the softmax backward dS = P (dP - rowsum(dO o O)) in attention.</summary>
    public static void MultiplyShifted(ReadOnlySpan<float> p, float shift, Span<float> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && p.Length >= Vector<float>.Count)
        {
            var pv = MemoryMarshal.Cast<float, Vector<float>>(p);
            var yv = MemoryMarshal.Cast<float, Vector<float>>(y);
            var s = new Vector<float>(shift);
            for (int j = 0; j < pv.Length; j++) yv[j] = pv[j] * (yv[j] - s);
            i = pv.Length * Vector<float>.Count;
        }
        for (; i < p.Length; i++) y[i] = p[i] * (y[i] - shift);
    }

    /// <summary>x *= alpha.</summary>
    public static void Scale(Span<float> x, float alpha) => Scaled(x, alpha, x);

    /// <summary>sum x * y, float lanes (exact enough for row reductions of model widths).</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int i = 0;
        float sum = 0f;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
            var yv = MemoryMarshal.Cast<float, Vector<float>>(y);
            // Four accumulators hide the add latency (one would serialise the loop on it).
            Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            int j = 0;
            for (; j + 4 <= xv.Length; j += 4)
            {
                a0 = Vector.FusedMultiplyAdd(xv[j], yv[j], a0);
                a1 = Vector.FusedMultiplyAdd(xv[j + 1], yv[j + 1], a1);
                a2 = Vector.FusedMultiplyAdd(xv[j + 2], yv[j + 2], a2);
                a3 = Vector.FusedMultiplyAdd(xv[j + 3], yv[j + 3], a3);
            }
            for (; j < xv.Length; j++) a0 = Vector.FusedMultiplyAdd(xv[j], yv[j], a0);
            sum = Vector.Sum((a0 + a1) + (a2 + a3));
            i = xv.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) sum += x[i] * y[i];
        return sum;
    }

    public static float Sum(ReadOnlySpan<float> x)
    {
        int i = 0;
        float sum = 0f;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
            Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            int j = 0;
            for (; j + 4 <= xv.Length; j += 4)
            {
                a0 += xv[j];
                a1 += xv[j + 1];
                a2 += xv[j + 2];
                a3 += xv[j + 3];
            }
            for (; j < xv.Length; j++) a0 += xv[j];
            sum = Vector.Sum((a0 + a1) + (a2 + a3));
            i = xv.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) sum += x[i];
        return sum;
    }

    /// <summary>
    /// Mean and biased variance in one pass over the row, from sums of x - x[0] and its squares: shifting by a
    /// sample of the row keeps E[d^2] - E[d]^2 from cancelling when the mean is large against the spread.
    /// </summary>
    public static (float Mean, float Variance) MeanVariance(ReadOnlySpan<float> x)
    {
        if (CpuSimd512.IsSupported && x.Length >= 16) return CpuSimd512.MeanVariance(x);
        if (x.Length == 0) return (0f, 0f);
        float shift = x[0];
        int i = 0;
        float s = 0f, q = 0f;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
            var sh = new Vector<float>(shift);
            Vector<float> s0 = Vector<float>.Zero, s1 = s0, q0 = s0, q1 = s0;
            int j = 0;
            for (; j + 2 <= xv.Length; j += 2)
            {
                var d0 = xv[j] - sh;
                var d1 = xv[j + 1] - sh;
                s0 += d0;
                s1 += d1;
                q0 = Vector.FusedMultiplyAdd(d0, d0, q0);
                q1 = Vector.FusedMultiplyAdd(d1, d1, q1);
            }
            if (j < xv.Length)
            {
                var d = xv[j] - sh;
                s0 += d;
                q0 = Vector.FusedMultiplyAdd(d, d, q0);
            }
            s = Vector.Sum(s0 + s1);
            q = Vector.Sum(q0 + q1);
            i = xv.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++)
        {
            float d = x[i] - shift;
            s += d;
            q += d * d;
        }
        float meanShifted = s / x.Length;
        return (shift + meanShifted, MathF.Max(q / x.Length - meanShifted * meanShifted, 0f));
    }

    /// <summary>y = (x - mu) * rstd * gamma + beta.</summary>
    public static void Normalize(ReadOnlySpan<float> x, float mu, float rstd, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y)
    {
        if (CpuSimd512.IsSupported && x.Length >= 16) { CpuSimd512.Normalize(x, mu, rstd, gamma, beta, y); return; }
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(gamma);
            var bv = MemoryMarshal.Cast<float, Vector<float>>(beta);
            var yv = MemoryMarshal.Cast<float, Vector<float>>(y);
            var m = new Vector<float>(mu);
            var rs = new Vector<float>(rstd);
            for (int j = 0; j < xv.Length; j++) yv[j] = (xv[j] - m) * rs * gv[j] + bv[j];
            i = xv.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) y[i] = (x[i] - mu) * rstd * gamma[i] + beta[i];
    }

    /// <summary>max_c scale * x_c: the softmax shift, which for a negative scale comes from the smallest x.</summary>
    public static float MaxScaled(ReadOnlySpan<float> x, float scale) => scale * (scale >= 0f ? Max(x) : Min(x));

    public static float Max(ReadOnlySpan<float> x)
    {
        if (CpuSimd512.IsSupported && x.Length >= 32) return CpuSimd512.Max(x);
        int i = 0;
        float m = float.NegativeInfinity;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
            // Two accumulators halve the dependency chain; MaxNative is the plain vmaxps (no NaN ordering fix-ups).
            var acc0 = xv[0];
            var acc1 = xv[xv.Length - 1];
            int j = 1;
            for (; j + 1 < xv.Length; j += 2)
            {
                acc0 = Vector.MaxNative(acc0, xv[j]);
                acc1 = Vector.MaxNative(acc1, xv[j + 1]);
            }
            acc0 = Vector.MaxNative(acc0, acc1);
            for (int l = 0; l < Vector<float>.Count; l++) m = MathF.Max(m, acc0[l]);
            i = xv.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) m = MathF.Max(m, x[i]);
        return m;
    }

    public static float Min(ReadOnlySpan<float> x)
    {
        if (CpuSimd512.IsSupported && x.Length >= 32) return CpuSimd512.Min(x);
        int i = 0;
        float m = float.PositiveInfinity;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
            var acc0 = xv[0];
            var acc1 = xv[xv.Length - 1];
            int j = 1;
            for (; j + 1 < xv.Length; j += 2)
            {
                acc0 = Vector.MinNative(acc0, xv[j]);
                acc1 = Vector.MinNative(acc1, xv[j + 1]);
            }
            acc0 = Vector.MinNative(acc0, acc1);
            for (int l = 0; l < Vector<float>.Count; l++) m = MathF.Min(m, acc0[l]);
            i = xv.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) m = MathF.Min(m, x[i]);
        return m;
    }

    /// <summary>y = exp(scale * x - shift); returns sum y.</summary>
    public static float ExpScaled(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        if (CpuSimd512.IsSupported && x.Length >= 16) return CpuSimd512.ExpScaled(x, scale, shift, y);
        int i = 0;
        float sum = 0f;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
            var yv = MemoryMarshal.Cast<float, Vector<float>>(y);
            var sc = new Vector<float>(scale);
            var sh = new Vector<float>(shift);
            var acc = Vector<float>.Zero;
            var acc1 = Vector<float>.Zero;
            int j = 0;
            for (; j + 2 <= xv.Length; j += 2)
            {
                var e0 = CpuExp.Exp(Vector.FusedMultiplyAdd(xv[j], sc, -sh));
                var e1 = CpuExp.Exp(Vector.FusedMultiplyAdd(xv[j + 1], sc, -sh));
                yv[j] = e0;
                yv[j + 1] = e1;
                acc += e0;
                acc1 += e1;
            }
            if (j < xv.Length)
            {
                var e = CpuExp.Exp(Vector.FusedMultiplyAdd(xv[j], sc, -sh));
                yv[j] = e;
                acc += e;
            }
            sum = Vector.Sum(acc + acc1);
            i = xv.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++)
        {
            float e = MathF.Exp(scale * x[i] - shift);
            y[i] = e;
            sum += e;
        }
        return sum;
    }
}
