using System.Runtime.InteropServices;

namespace Tips.Bench;

/// <summary>
/// OpenBLAS SGEMM as the yardstick for our GEMM rows, when the library is installed (Debian: libopenblas0-pthread).
/// It runs in this process on <see cref="Environment.ProcessorCount"/> threads, interleaved with our calls, so both
/// see the same load.
/// </summary>
public static unsafe class OpenBlas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private static readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> s_sgemm;

    /// <summary>The library file that was loaded, or null when none was found.</summary>
    public static string? Library { get; }

    static OpenBlas()
    {
        foreach (var name in new[] { "libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0", "libopenblas.so", "libopenblas" })
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            if (!NativeLibrary.TryGetExport(handle, "cblas_sgemm", out var sgemm)) continue;
            if (NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out var setThreads))
                ((delegate* unmanaged<int, void>)setThreads)(Environment.ProcessorCount);
            s_sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
            Library = name;
            return;
        }
    }

    public static bool Available => Library is not null;

    /// <summary>
    /// OpenBLAS worker threads spin for a while after each call (about 2^28 cycles by default) before they sleep;
    /// a call timed right after one of its calls would share the cores with them.
    /// </summary>
    public static TimeSpan SettleTime => TimeSpan.FromMilliseconds(150);

    /// <summary>C (m x n, row-major) = alpha op(A) op(B) + beta C.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb,
        float beta, float* c, int ldc)
    {
        if (!Available) throw new InvalidOperationException("OpenBLAS is not installed");
        s_sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
