using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tips.Bench;

/// <summary>
/// Machine peaks the kernels are compared with, measured rather than taken from a data sheet:
/// FMA throughput (independent vector FMA chains on every core) and large-array copy bandwidth (every core).
/// Each is the best of several runs: the capability of the machine, not its typical load.
/// </summary>
public static partial class Peak
{
    private static float s_sink;

    /// <summary>
    /// Best FMA GFLOP/s per second of the probing thread's own CPU time: one core's peak. On a machine shared with
    /// other work, wall time counts the time slices others take while CPU time does not: kernel CPU-time throughput
    /// over this peak estimates the kernel's efficiency when the cores are contended.
    /// </summary>
    public static double FmaGflopsPerCpuSecond(int runs = 5, long iterations = DefaultIterations)
    {
        FmaChains(1000);
        double best = 0;
        for (int r = 0; r < runs; r++)
        {
            double c0 = ThreadCpuSeconds();
            FmaChains(iterations);
            best = Math.Max(best, iterations * FlopsPerIteration / (ThreadCpuSeconds() - c0) / 1e9);
        }
        return best;
    }

    /// <summary>
    /// The compute peak kernels are rated against: the larger of the all-core wall-clock rate and one core's
    /// CPU-time rate times the core count. Both are lower bounds of what the cores can do (the first counts other
    /// processes' time slices, the second assumes the cores do not share FMA units, true on the 2-vCPU Xeon, where
    /// both threads ran at ~150 GFLOP/s per CPU-second at the same time); on a quiet machine they agree.
    /// </summary>
    public static double FmaPeakGflops(double allCores, double perCpuSecond) => Math.Max(allCores, perCpuSecond * Environment.ProcessorCount);

    /// <summary>Process CPU seconds (every thread: a parallel kernel's workers included).</summary>
    public static double CpuSeconds()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>
    /// CPU seconds of the calling thread. The process total also counts the runtime's background threads (tiered JIT,
    /// GC), which made the one-core probe read 82 instead of ~150 GFLOP/s right after the copy probe's allocations.
    /// </summary>
    public static double ThreadCpuSeconds()
    {
        if (OperatingSystem.IsLinux() && clock_gettime(ClockThreadCpuTime, out var t) == 0) return t.Seconds + t.Nanoseconds * 1e-9;
        return CpuSeconds();
    }

    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int clock_gettime(int clock, out Timespec time);

    /// <summary>GFLOP/s of independent FMA chains on all cores at once (2 flops per lane per FMA).</summary>
    public static double FmaGflops(int runs = 5, long iterations = DefaultIterations)
    {
        int threads = Environment.ProcessorCount;
        FmaChains(1000);
        double best = 0;
        for (int r = 0; r < runs; r++)
        {
            double s = FmaAllCores(iterations);
            best = Math.Max(best, threads * iterations * FlopsPerIteration / s / 1e9);
        }
        return best;
    }

    /// <summary>GB/s (bytes read + bytes written) of copying an array far larger than the last-level cache.</summary>
    public static double CopyGBps(int runs = 5, int floats = 32 << 20)
    {
        var src = new float[floats];
        var dst = new float[floats];
        src.AsSpan().Fill(1f);
        dst.AsSpan().Clear();
        double best = 0;
        for (int r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            CopyAllCores(src, dst);
            double s = sw.Elapsed.TotalSeconds;
            best = Math.Max(best, 2.0 * floats * sizeof(float) / s / 1e9);
        }
        return best;
    }

    /// <summary>Runs the FMA chains on every core at once; returns the wall seconds from release to the last finish.</summary>
    public static double FmaAllCores(long iterations) => RunOnAllCores(Environment.ProcessorCount, _ => FmaChains(iterations));

    /// <summary>dst = src, one contiguous share per core.</summary>
    public static void CopyAllCores(float[] src, float[] dst)
    {
        int threads = Environment.ProcessorCount, floats = src.Length;
        RunOnAllCores(threads, t =>
        {
            int begin = (int)((long)floats * t / threads), end = (int)((long)floats * (t + 1) / threads);
            src.AsSpan(begin, end - begin).CopyTo(dst.AsSpan(begin, end - begin));
        });
    }

    /// <summary>
    /// Dedicated threads (a pool may run shares one after another), released together by a barrier once all have
    /// started, so that thread start-up is not timed and the shares really overlap. Returns wall seconds from release.
    /// </summary>
    private static double RunOnAllCores(int threads, Action<int> body)
    {
        var workers = new Thread[threads];
        using var ready = new Barrier(threads + 1);
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() =>
            {
                ready.SignalAndWait();
                body(id);
            });
            workers[t].Start();
        }
        ready.SignalAndWait();
        var sw = Stopwatch.StartNew();
        foreach (var w in workers) w.Join();
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>~0.2 s per core at the AVX-512 peak: long enough that start-up and timer noise do not count.</summary>
    private const long DefaultIterations = 60_000_000;

    /// <summary>Flops of one loop iteration of <see cref="FmaChains"/> on one core.</summary>
    public static double FlopsPerIteration => Avx512F.IsSupported ? 16 * 16 * 2.0 : Fma.IsSupported ? 12 * 8 * 2.0 : 12 * 4 * 2.0;

    // Why this probe changed (it read 148 GFLOP/s for 2 cores, 82 per CPU-second, where a C loop of AVX-512 FMAs
    // runs ~150 per core): Vector512.FusedMultiplyAdd is not the culprit - DOTNET_JitDisasm shows one
    // vfmadd213ps zmm per call although Vector512.IsHardwareAccelerated is false on this Xeon - but the old
    // probe timed ~50 ms runs on threads started one after another (under any other load they barely overlapped)
    // and divided by the whole process's CPU time. Now: explicit Avx512F intrinsics (what the GEMM kernel is
    // compiled to), 16 chains with distinct start values (latency 4 x 2 ports needs 8; distinct values so that no
    // compiler may merge equal chains), ~0.2 s runs, threads released together, the probing thread's own CPU time.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FmaChains(long iterations)
    {
        if (Avx512F.IsSupported)
        {
            var m = Vector512.Create(0.999999f);
            var add = Vector512.Create(1e-7f);
            Vector512<float> c0 = Vector512.Create(1.00f), c1 = Vector512.Create(1.01f), c2 = Vector512.Create(1.02f),
                c3 = Vector512.Create(1.03f), c4 = Vector512.Create(1.04f), c5 = Vector512.Create(1.05f),
                c6 = Vector512.Create(1.06f), c7 = Vector512.Create(1.07f), c8 = Vector512.Create(1.08f),
                c9 = Vector512.Create(1.09f), c10 = Vector512.Create(1.10f), c11 = Vector512.Create(1.11f),
                c12 = Vector512.Create(1.12f), c13 = Vector512.Create(1.13f), c14 = Vector512.Create(1.14f),
                c15 = Vector512.Create(1.15f);
            for (long i = 0; i < iterations; i++)
            {
                c0 = Avx512F.FusedMultiplyAdd(c0, m, add);
                c1 = Avx512F.FusedMultiplyAdd(c1, m, add);
                c2 = Avx512F.FusedMultiplyAdd(c2, m, add);
                c3 = Avx512F.FusedMultiplyAdd(c3, m, add);
                c4 = Avx512F.FusedMultiplyAdd(c4, m, add);
                c5 = Avx512F.FusedMultiplyAdd(c5, m, add);
                c6 = Avx512F.FusedMultiplyAdd(c6, m, add);
                c7 = Avx512F.FusedMultiplyAdd(c7, m, add);
                c8 = Avx512F.FusedMultiplyAdd(c8, m, add);
                c9 = Avx512F.FusedMultiplyAdd(c9, m, add);
                c10 = Avx512F.FusedMultiplyAdd(c10, m, add);
                c11 = Avx512F.FusedMultiplyAdd(c11, m, add);
                c12 = Avx512F.FusedMultiplyAdd(c12, m, add);
                c13 = Avx512F.FusedMultiplyAdd(c13, m, add);
                c14 = Avx512F.FusedMultiplyAdd(c14, m, add);
                c15 = Avx512F.FusedMultiplyAdd(c15, m, add);
            }
            s_sink += Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15);
        }
        else if (Fma.IsSupported)
        {
            // 12 chains + 2 constants fit the 16 ymm registers; latency 5 x 2 ports needs 10.
            var m = Vector256.Create(0.999999f);
            var add = Vector256.Create(1e-7f);
            Vector256<float> c0 = Vector256.Create(1.00f), c1 = Vector256.Create(1.01f), c2 = Vector256.Create(1.02f),
                c3 = Vector256.Create(1.03f), c4 = Vector256.Create(1.04f), c5 = Vector256.Create(1.05f),
                c6 = Vector256.Create(1.06f), c7 = Vector256.Create(1.07f), c8 = Vector256.Create(1.08f),
                c9 = Vector256.Create(1.09f), c10 = Vector256.Create(1.10f), c11 = Vector256.Create(1.11f);
            for (long i = 0; i < iterations; i++)
            {
                c0 = Fma.MultiplyAdd(c0, m, add);
                c1 = Fma.MultiplyAdd(c1, m, add);
                c2 = Fma.MultiplyAdd(c2, m, add);
                c3 = Fma.MultiplyAdd(c3, m, add);
                c4 = Fma.MultiplyAdd(c4, m, add);
                c5 = Fma.MultiplyAdd(c5, m, add);
                c6 = Fma.MultiplyAdd(c6, m, add);
                c7 = Fma.MultiplyAdd(c7, m, add);
                c8 = Fma.MultiplyAdd(c8, m, add);
                c9 = Fma.MultiplyAdd(c9, m, add);
                c10 = Fma.MultiplyAdd(c10, m, add);
                c11 = Fma.MultiplyAdd(c11, m, add);
            }
            s_sink += Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        }
        else
        {
            var m = Vector128.Create(0.999999f);
            var add = Vector128.Create(1e-7f);
            Vector128<float> c0 = Vector128.Create(1.00f), c1 = Vector128.Create(1.01f), c2 = Vector128.Create(1.02f),
                c3 = Vector128.Create(1.03f), c4 = Vector128.Create(1.04f), c5 = Vector128.Create(1.05f),
                c6 = Vector128.Create(1.06f), c7 = Vector128.Create(1.07f), c8 = Vector128.Create(1.08f),
                c9 = Vector128.Create(1.09f), c10 = Vector128.Create(1.10f), c11 = Vector128.Create(1.11f);
            for (long i = 0; i < iterations; i++)
            {
                c0 = c0 * m + add;
                c1 = c1 * m + add;
                c2 = c2 * m + add;
                c3 = c3 * m + add;
                c4 = c4 * m + add;
                c5 = c5 * m + add;
                c6 = c6 * m + add;
                c7 = c7 * m + add;
                c8 = c8 * m + add;
                c9 = c9 * m + add;
                c10 = c10 * m + add;
                c11 = c11 * m + add;
            }
            s_sink += Vector128.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        }
    }
}
