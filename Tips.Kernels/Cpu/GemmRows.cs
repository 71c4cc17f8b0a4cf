using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tips.Kernels;

/// <summary>
/// GEMM one row of C at a time with plain vector loops (dot products when B is transposed, row axpys otherwise).
/// Used where packing does not pay: m &lt;= 2 (matrix-vector), tiny n, or k == 0. Each weight is read once, so the
/// speed is the memory bandwidth: a row's columns are split over the cores when B is large (see CpuBackend.Gemm).
/// </summary>
internal static unsafe class GemmRows
{
    [ThreadStatic] private static float[]? t_scratch;

    /// <summary>Columns [j0, j1) of row i of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row(in GemmProblem p, int i, float* a, float* b, float* c, float* bias, int j0, int j1)
    {
        int n = j1 - j0, k = p.K;
        if (t_scratch is null || t_scratch.Length < n + k)
            t_scratch = GC.AllocateUninitializedArray<float>(Math.Max(n + k, 1024), pinned: true);
        fixed (float* scratch = t_scratch)
        {
            float* acc = scratch;
            float* ai = a + (long)i * p.Lda;
            if (p.TransA)
            {
                ai = scratch + n;
                for (int q = 0; q < k; q++) ai[q] = a[(long)q * p.Lda + i];
            }

            if (p.TransB)
            {
                int j = 0;
                // Four columns per pass share each load of the A row.
                for (; j + 4 <= n; j += 4)
                    Dot4(ai, b + (long)(j0 + j) * p.Ldb, p.Ldb, k, acc + j);
                for (; j < n; j++) acc[j] = Dot(ai, b + (long)(j0 + j) * p.Ldb, k);
            }
            else
            {
                new Span<float>(acc, n).Clear();
                for (int q = 0; q < k; q++) Axpy(ai[q], b + (long)q * p.Ldb + j0, acc, n);
            }

            float* ci = c + (long)i * p.Ldc + j0;
            for (int j = 0; j < n; j++)
                ci[j] = p.Beta == 0f ? p.Alpha * acc[j] : MathF.FusedMultiplyAdd(p.Beta, ci[j], p.Alpha * acc[j]);
            GemmEpilogue.Apply(ci, n, bias == null ? null : bias + j0, p.Activation);
        }
    }

    /// <summary>dst[c] = x . y_c for the four rows y_c = y + c * ldy.</summary>
    private static void Dot4(float* x, float* y, int ldy, int length, float* dst)
    {
        float* y1 = y + ldy, y2 = y + 2L * ldy, y3 = y + 3L * ldy;
        var s0 = Vector256<float>.Zero;
        var s1 = Vector256<float>.Zero;
        var s2 = Vector256<float>.Zero;
        var s3 = Vector256<float>.Zero;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= length - 8; i += 8)
            {
                var v = Vector256.Load(x + i);
                s0 = Vector256.FusedMultiplyAdd(v, Vector256.Load(y + i), s0);
                s1 = Vector256.FusedMultiplyAdd(v, Vector256.Load(y1 + i), s1);
                s2 = Vector256.FusedMultiplyAdd(v, Vector256.Load(y2 + i), s2);
                s3 = Vector256.FusedMultiplyAdd(v, Vector256.Load(y3 + i), s3);
            }
        }
        float r0 = Vector256.Sum(s0), r1 = Vector256.Sum(s1), r2 = Vector256.Sum(s2), r3 = Vector256.Sum(s3);
        for (; i < length; i++)
        {
            r0 = MathF.FusedMultiplyAdd(x[i], y[i], r0);
            r1 = MathF.FusedMultiplyAdd(x[i], y1[i], r1);
            r2 = MathF.FusedMultiplyAdd(x[i], y2[i], r2);
            r3 = MathF.FusedMultiplyAdd(x[i], y3[i], r3);
        }
        dst[0] = r0;
        dst[1] = r1;
        dst[2] = r2;
        dst[3] = r3;
    }

    private static float Dot(float* x, float* y, int length)
    {
        var sum0 = Vector<float>.Zero;
        var sum1 = Vector<float>.Zero;
        int w = Vector<float>.Count, i = 0;
        for (; i <= length - 2 * w; i += 2 * w)
        {
            sum0 = Vector.FusedMultiplyAdd(Vector.Load(x + i), Vector.Load(y + i), sum0);
            sum1 = Vector.FusedMultiplyAdd(Vector.Load(x + i + w), Vector.Load(y + i + w), sum1);
        }
        for (; i <= length - w; i += w)
            sum0 = Vector.FusedMultiplyAdd(Vector.Load(x + i), Vector.Load(y + i), sum0);
        float r = Vector.Sum(sum0 + sum1);
        for (; i < length; i++) r = MathF.FusedMultiplyAdd(x[i], y[i], r);
        return r;
    }

    private static void Axpy(float alpha, float* x, float* y, int length)
    {
        var va = new Vector<float>(alpha);
        int w = Vector<float>.Count, i = 0;
        for (; i <= length - w; i += w)
            Vector.FusedMultiplyAdd(Vector.Load(x + i), va, Vector.Load(y + i)).Store(y + i);
        for (; i < length; i++) y[i] = MathF.FusedMultiplyAdd(alpha, x[i], y[i]);
    }
}
