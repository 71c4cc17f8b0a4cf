using System.Numerics;
using System.Runtime.CompilerServices;

namespace Tips.Kernels;

/// <summary>
/// GEMM one row of C at a time with plain vector loops (dot products when B is transposed, row axpys otherwise).
/// Used where packing does not pay: m &lt;= 2 (matrix-vector), tiny n, or k == 0.
/// </summary>
internal static unsafe class GemmRows
{
    [ThreadStatic] private static float[]? t_scratch;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row(in GemmProblem p, int i, float* a, float* b, float* c, float* bias)
    {
        int n = p.N, k = p.K;
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
                for (int j = 0; j < n; j++) acc[j] = Dot(ai, b + (long)j * p.Ldb, k);
            }
            else
            {
                new Span<float>(acc, n).Clear();
                for (int q = 0; q < k; q++) Axpy(ai[q], b + (long)q * p.Ldb, acc, n);
            }

            float* ci = c + (long)i * p.Ldc;
            for (int j = 0; j < n; j++)
                ci[j] = p.Beta == 0f ? p.Alpha * acc[j] : MathF.FusedMultiplyAdd(p.Beta, ci[j], p.Alpha * acc[j]);
            GemmEpilogue.Apply(ci, n, bias, p.Activation);
        }
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
