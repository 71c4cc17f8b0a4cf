using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tips.Bench;

/// <summary>
/// Machine peaks the kernels are compared with, measured rather than taken from a data sheet:
/// FMA throughput (independent vector FMA chains on every core) and large-array copy bandwidth (every core).
/// Each is the best of several runs: the capability of the machine, not its typical load.
/// </summary>
public static class Peak
{
    private static float s_sink;

    /// <summary>
    /// Best FMA GFLOP/s per second of process CPU time (one core's peak). On a machine shared with other work, wall
    /// time counts the time slices others take while CPU time does not: kernel CPU-time throughput over this peak
    /// estimates the kernel's efficiency when the cores are contended.
    /// </summary>
    public static double FmaGflopsPerCpuSecond(int runs = 5, long iterations = 20_000_000)
    {
        FmaChains(1000);
        double best = 0;
        for (int r = 0; r < runs; r++)
        {
            double c0 = CpuSeconds();
            FmaChains(iterations);
            best = Math.Max(best, iterations * FlopsPerIteration / (CpuSeconds() - c0) / 1e9);
        }
        return best;
    }

    public static double CpuSeconds()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>GFLOP/s of independent FMA chains on all cores (2 flops per lane per FMA).</summary>
    public static double FmaGflops(int runs = 5, long iterations = 20_000_000)
    {
        int threads = Environment.ProcessorCount;
        FmaChains(1000);
        double best = 0;
        for (int r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            FmaAllCores(iterations);
            double s = sw.Elapsed.TotalSeconds;
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

    public static void FmaAllCores(long iterations) => RunOnAllCores(Environment.ProcessorCount, _ => FmaChains(iterations));

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

    /// <summary>Dedicated threads, so that every core really runs one share (a pool may run shares one after another).</summary>
    private static void RunOnAllCores(int threads, Action<int> body)
    {
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() => body(id));
            workers[t].Start();
        }
        foreach (var w in workers) w.Join();
    }

    private const int ChainCount = 12;

    /// <summary>Flops of one loop iteration of <see cref="FmaChains"/> on one core.</summary>
    public static double FlopsPerIteration => ChainCount * (Avx512F.IsSupported ? 16 : 8) * 2.0;

    // 12 independent accumulators cover the FMA latency (4 cycles) times 2 FMA ports with room to spare.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FmaChains(long iterations)
    {
        if (Avx512F.IsSupported)
        {
            var m = Vector512.Create(0.999999f);
            var add = Vector512.Create(1e-7f);
            Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
                c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
            for (long i = 0; i < iterations; i++)
            {
                c0 = Vector512.FusedMultiplyAdd(c0, m, add);
                c1 = Vector512.FusedMultiplyAdd(c1, m, add);
                c2 = Vector512.FusedMultiplyAdd(c2, m, add);
                c3 = Vector512.FusedMultiplyAdd(c3, m, add);
                c4 = Vector512.FusedMultiplyAdd(c4, m, add);
                c5 = Vector512.FusedMultiplyAdd(c5, m, add);
                c6 = Vector512.FusedMultiplyAdd(c6, m, add);
                c7 = Vector512.FusedMultiplyAdd(c7, m, add);
                c8 = Vector512.FusedMultiplyAdd(c8, m, add);
                c9 = Vector512.FusedMultiplyAdd(c9, m, add);
                c10 = Vector512.FusedMultiplyAdd(c10, m, add);
                c11 = Vector512.FusedMultiplyAdd(c11, m, add);
            }
            s_sink += Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        }
        else
        {
            var m = Vector256.Create(0.999999f);
            var add = Vector256.Create(1e-7f);
            Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
                c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
            for (long i = 0; i < iterations; i++)
            {
                c0 = Vector256.FusedMultiplyAdd(c0, m, add);
                c1 = Vector256.FusedMultiplyAdd(c1, m, add);
                c2 = Vector256.FusedMultiplyAdd(c2, m, add);
                c3 = Vector256.FusedMultiplyAdd(c3, m, add);
                c4 = Vector256.FusedMultiplyAdd(c4, m, add);
                c5 = Vector256.FusedMultiplyAdd(c5, m, add);
                c6 = Vector256.FusedMultiplyAdd(c6, m, add);
                c7 = Vector256.FusedMultiplyAdd(c7, m, add);
                c8 = Vector256.FusedMultiplyAdd(c8, m, add);
                c9 = Vector256.FusedMultiplyAdd(c9, m, add);
                c10 = Vector256.FusedMultiplyAdd(c10, m, add);
                c11 = Vector256.FusedMultiplyAdd(c11, m, add);
            }
            s_sink += Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        }
    }
}
