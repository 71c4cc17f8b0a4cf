using System.Runtime.Intrinsics.X86;

namespace Tips.Kernels;

// Batched strided GEMM with a fused bias + activation epilogue. Dimensions: C (m, n) = op(A) (m, k) op(B) (k, n).
// Paths: GemmRows (vector dot/axpy loops) for m <= 2, n <= 4 or k == 0, its columns split over the cores from 2^20
// weights; otherwise GemmDriver (packed panels, GemmMicroKernels 12x32 AVX-512 or 6x16 AVX2), on all cores from
// 4 MFLOP per entry, else one thread per entry. A B shared by every entry over more than 384 rows (a Linear weight)
// comes from the weight panel cache (GemmWeightPanels.cs) from the second use of its version on.
// Measured (2-core Xeon, AVX-512, load average 14-27 from other jobs, so only same-process ratios mean much): one
// thread, GFLOP/s per CPU-second, old 8x32 driver / this one / OpenBLAS 0.3.21 interleaved: TIPS 1026-row NT, NN, TN
// shapes 50-83 / 57-101 / 55-107 (0.90-1.02x OpenBLAS), 257-row 68-69 / 94-101 / 91-96 (1.03-1.05x), 64-row text
// qkv 44 / 65 / 66; the FMA peak is ~150 per core. bench/run.sh prints the current table with OpenBLAS beside it.
public sealed partial class CpuBackend
{
    // Below this many flops per call the thread hand-off costs more than it saves.
    private const long ParallelFlops = 1L << 22;

    // Matrix-vector products from this many weights (4 MiB) up use every core; a 768 x 768 one takes ~0.1 ms on one
    // core, where the hand-off to a second thread cost as much as it saved under load.
    private const long ParallelRowElements = 1L << 20;

    /// <summary>256 selects the Vector256 micro-kernel (for tests on AVX-512 machines); 512 needs AVX-512.</summary>
    internal int GemmVectorBits { get; init; } = Avx512F.IsSupported ? 512 : 256;

    public unsafe void Gemm(bool transA, bool transB, int m, int n, int k,
        float alpha, DeviceBuffer<float> a, int lda, long strideA,
        DeviceBuffer<float> b, int ldb, long strideB,
        float beta, DeviceBuffer<float> c, int ldc, long strideC,
        int batch, DeviceBuffer<float>? bias, Activation activation)
    {
        var ca = OwnRead(a);
        var cb = OwnRead(b);
        var cc = Own(c);
        var cbias = bias is null ? null : OwnRead(bias);
        CheckGemm(transA, transB, m, n, k, ca.Length, lda, strideA, cb.Length, ldb, strideB, cc.Length, ldc, strideC, batch, cbias?.Length);
        if (m == 0 || n == 0 || batch == 0) return;
        var p = new GemmProblem(transA, transB, m, n, k, alpha, beta, lda, ldb, ldc, activation);
        fixed (float* pa = ca.Array, pb = cb.Array, pc = cc.Array, pbias = cbias?.Array)
        {
            float* a0 = pa + ca.Offset, b0 = pb + cb.Offset, c0 = pc + cc.Offset;
            float* bias0 = cbias is null ? null : pbias + cbias.Offset;
            if (m <= 2 || n <= 4 || k == 0)
            {
                // Matrix-vector products read each weight once: split the columns over the cores when B is large.
                int parts = (long)n * k >= ParallelRowElements && n >= 64 ? Environment.ProcessorCount : 1;
                for (int bi = 0; bi < batch; bi++)
                for (int i = 0; i < m; i++)
                {
                    float* entryA = a0 + bi * strideA, entryB = b0 + bi * strideB, entryC = c0 + bi * strideC;
                    if (parts == 1)
                    {
                        GemmRows.Row(in p, i, entryA, entryB, entryC, bias0, 0, n);
                        continue;
                    }
                    nint hA = (nint)entryA, hB = (nint)entryB, hC = (nint)entryC, hBias = (nint)bias0;
                    int row = i;
                    Parallel.For(0, parts, part => GemmRows.Row(in p, row, (float*)hA, (float*)hB, (float*)hC, (float*)hBias,
                        (int)((long)n * part / parts), (int)((long)n * (part + 1) / parts)));
                }
                return;
            }
            bool wide = GemmVectorBits == 512;
            long flops = 2L * m * n * k;
            if (flops >= ParallelFlops || batch == 1 || flops * batch < ParallelFlops)
            {
                int threads = flops >= ParallelFlops ? Environment.ProcessorCount : 1;
                // One B for every entry (a Linear weight) over many rows: packed panels cached per weight version.
                var panels = (batch == 1 || strideB == 0) && GemmDriver.PacksBWhole(m, wide) ? WeightPanelsFor(cb, in p, b0, wide, threads) : null;
                var driver = GemmDriver.ForThread();
                fixed (float* pp = panels)
                {
                    float* aligned = pp == null ? null : GemmDriver.Align(pp);
                    for (int bi = 0; bi < batch; bi++)
                        driver.Run(in p, a0 + bi * strideA, b0 + bi * strideB, c0 + bi * strideC, bias0, wide, threads, aligned);
                }
                return;
            }
            // Many small entries: one thread per entry.
            nint ia = (nint)a0, ib = (nint)b0, ic = (nint)c0, ibias = (nint)bias0;
            Parallel.For(0, batch, bi => GemmDriver.ForThread().Run(in p, (float*)ia + bi * strideA, (float*)ib + bi * strideB,
                (float*)ic + bi * strideC, (float*)ibias, wide, 1));
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
}
