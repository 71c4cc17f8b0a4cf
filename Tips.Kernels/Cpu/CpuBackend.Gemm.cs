using System.Numerics;

namespace Tips.Kernels;

// Batched strided GEMM with a fused bias + activation epilogue. Dimensions: C (m, n) = op(A) (m, k) op(B) (k, n).
public sealed partial class CpuBackend
{
    [ThreadStatic] private static float[]? t_rowScratch;

    public void Gemm(bool transA, bool transB, int m, int n, int k,
        float alpha, DeviceBuffer<float> a, int lda, long strideA,
        DeviceBuffer<float> b, int ldb, long strideB,
        float beta, DeviceBuffer<float> c, int ldc, long strideC,
        int batch, DeviceBuffer<float>? bias, Activation activation)
    {
        var ca = Own(a);
        var cb = Own(b);
        var cc = Own(c);
        var cbias = bias is null ? null : Own(bias);
        CheckGemm(transA, transB, m, n, k, ca.Length, lda, strideA, cb.Length, ldb, strideB, cc.Length, ldc, strideC, batch, cbias?.Length);
        if (m == 0 || n == 0 || batch == 0) return;
        var p = new GemmProblem(transA, transB, m, n, k, alpha, beta, lda, ldb, ldc, activation);
        for (int bi = 0; bi < batch; bi++)
        {
            var sa = ca.Array.AsSpan(ca.Offset + (int)(bi * strideA));
            var sb = cb.Array.AsSpan(cb.Offset + (int)(bi * strideB));
            var sc = cc.Array.AsSpan(cc.Offset + (int)(bi * strideC));
            var sbias = cbias is null ? default : cbias.Span[..n];
            for (int i = 0; i < m; i++)
                GemmRow(in p, i, sa, sb, sc, sbias);
        }
    }

    private static void CheckGemm(bool transA, bool transB, int m, int n, int k,
        long aLength, int lda, long strideA, long bLength, int ldb, long strideB, long cLength, int ldc, long strideC,
        int batch, long? biasLength)
    {
        if (m < 0 || n < 0 || k < 0 || batch < 0)
            throw new BackendException($"Gemm: negative size (m {m}, n {n}, k {k}, batch {batch})");
        if (strideA < 0 || strideB < 0 || strideC < 0)
            throw new BackendException($"Gemm: negative batch stride ({strideA}, {strideB}, {strideC})");
        CheckOperand("A", transA ? k : m, transA ? m : k, lda, strideA, aLength, batch);
        CheckOperand("B", transB ? n : k, transB ? k : n, ldb, strideB, bLength, batch);
        CheckOperand("C", m, n, ldc, strideC, cLength, batch);
        if (biasLength is { } bl && bl < n)
            throw new BackendException($"Gemm: bias of {bl} elements for n = {n}");
    }

    private static void CheckOperand(string name, int rows, int cols, int ld, long stride, long length, int batch)
    {
        if (ld < cols)
            throw new BackendException($"Gemm: ld{name.ToLowerInvariant()} = {ld} is less than its {cols} stored columns");
        if (rows == 0 || cols == 0 || batch == 0) return;
        long last = (batch - 1) * stride + (long)(rows - 1) * ld + cols;
        if (last > length)
            throw new BackendException($"Gemm: {name} needs {last} elements ({batch} x {rows} x {cols}, ld {ld}, stride {stride}) but has {length}");
    }

    private readonly record struct GemmProblem(bool TransA, bool TransB, int M, int N, int K,
        float Alpha, float Beta, int Lda, int Ldb, int Ldc, Activation Activation);

    /// <summary>One row of C from plain vector loops: dot products when B is transposed, row axpys otherwise.</summary>
    private static void GemmRow(in GemmProblem p, int i, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, ReadOnlySpan<float> bias)
    {
        int n = p.N, k = p.K;
        var scratch = t_rowScratch is { } s && s.Length >= n + k ? s : t_rowScratch = new float[Math.Max(n + k, 256)];
        var acc = scratch.AsSpan(0, n);
        ReadOnlySpan<float> ai;
        if (p.TransA)
        {
            var col = scratch.AsSpan(n, k);
            for (int q = 0; q < k; q++) col[q] = a[q * p.Lda + i];
            ai = col;
        }
        else ai = a.Slice(i * p.Lda, k);

        if (p.TransB)
        {
            for (int j = 0; j < n; j++) acc[j] = Dot(ai, b.Slice(j * p.Ldb, k));
        }
        else
        {
            acc.Clear();
            for (int q = 0; q < k; q++) AxpySpan(ai[q], b.Slice(q * p.Ldb, n), acc);
        }
        Epilogue(in p, acc, c.Slice(i * p.Ldc, n), bias);
    }

    private static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var sum = Vector<float>.Zero;
        int i = 0;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            sum = Vector.FusedMultiplyAdd(new Vector<float>(x[i..]), new Vector<float>(y[i..]), sum);
        float r = Vector.Sum(sum);
        for (; i < x.Length; i++) r = MathF.FusedMultiplyAdd(x[i], y[i], r);
        return r;
    }

    /// <summary>c = act(alpha * acc + beta * c + bias); beta == 0 never reads c.</summary>
    private static void Epilogue(in GemmProblem p, ReadOnlySpan<float> acc, Span<float> c, ReadOnlySpan<float> bias)
    {
        for (int j = 0; j < c.Length; j++)
        {
            float v = p.Alpha * acc[j];
            if (p.Beta != 0f) v = MathF.FusedMultiplyAdd(p.Beta, c[j], v);
            if (!bias.IsEmpty) v += bias[j];
            c[j] = ActivationMath.Forward(p.Activation, v);
        }
    }
}
