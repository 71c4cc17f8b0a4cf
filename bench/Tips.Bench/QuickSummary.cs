using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tips.Kernels;

namespace Tips.Bench;

/// <summary>
/// Fast lab mode: measure the machine peaks, time every case with a Stopwatch (warm-up, then repetitions until
/// a count or a time budget is reached), print a markdown table of medians and write bench/results/DATE-cpu.json.
/// </summary>
public static class QuickSummary
{
    public static int Run(string[] args)
    {
        int reps = 9;
        double budgetSeconds = 4;
        string? filter = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--reps" when i + 1 < args.Length: reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--budget" when i + 1 < args.Length: budgetSeconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--filter" when i + 1 < args.Length: filter = args[++i]; break;
                default:
                    Console.Error.WriteLine($"summary: unknown argument '{args[i]}' (expected --reps N, --budget SECONDS, --filter TEXT)");
                    return 2;
            }
        }

        using var backend = new CpuBackend();
        string device = $"{Environment.ProcessorCount} cores, GEMM kernel {(System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "8x32 AVX-512" : "6x16 AVX2")}";
        Console.WriteLine($"# cpu benchmark summary ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {device})");
        double fma = Peak.FmaGflops();
        double copy = Peak.CopyGBps();
        double fmaCpu = Peak.FmaGflopsPerCpuSecond();
        Console.WriteLine($"peak: FMA {fma:F1} GFLOP/s, copy {copy:F1} GB/s (best of 5, all cores); FMA {fmaCpu:F1} GFLOP/s per CPU-second");
        Console.WriteLine("ratio: median throughput / peak; cpu ratio: flops per CPU-second / FMA per CPU-second (robust to other load)");
        Console.WriteLine();
        Console.WriteLine("| kernel | shape | median ms | min ms | throughput | peak | ratio | cpu ratio |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");

        var rows = new List<Dictionary<string, object>>
        {
            Row("peak-fma", $"{Environment.ProcessorCount} cores", double.NaN, fma, "gflops", fma, double.NaN),
            Row("peak-fma-per-cpu-second", "1 core", double.NaN, fmaCpu, "gflops", fmaCpu, double.NaN),
            Row("peak-copy", $"{Environment.ProcessorCount} cores, 128 MiB", double.NaN, copy, "gbps", copy, double.NaN),
        };
        foreach (var (_, create) in Cases.All)
        {
            using var c = create();
            if (filter is not null && !c.Key.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
            double[] times;
            double cpuSeconds;
            try
            {
                c.Setup(backend);
                (times, cpuSeconds) = Time(c, reps, budgetSeconds);
            }
            catch (NotImplementedException e)
            {
                Console.WriteLine($"| {c.Kernel} | {c.Shape} | n/a ({e.Message} not implemented) | | | | |");
                continue;
            }
            double median = Median(times), best = times.Min();
            double value = c.Work / (median / 1e3) / 1e9;
            double peak = c.IsFlops ? fma : copy;
            string unit = c.IsFlops ? "GFLOP/s" : "GB/s";
            double cpuRatio = c.IsFlops ? c.Work * times.Length / cpuSeconds / 1e9 / fmaCpu : double.NaN;
            Console.WriteLine($"| {c.Kernel} | {c.Shape} | {median:F3} | {best:F3} | {value:F1} {unit} | {peak:F1} | {value / peak:P1} | {(c.IsFlops ? cpuRatio.ToString("P1", CultureInfo.InvariantCulture) : "")} |");
            rows.Add(Row(c.Kernel, c.Shape, median, value, c.IsFlops ? "gflops" : "gbps", peak, cpuRatio));
        }

        string path = Path.Combine(RepoRoot(), "bench", "results", $"{DateTime.UtcNow:yyyy-MM-dd}-cpu.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var doc = new Dictionary<string, object>
        {
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["device"] = device,
            ["reps"] = reps,
            ["kernels"] = rows,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        Console.WriteLine();
        Console.WriteLine($"wrote {path}");
        return 0;
    }

    private static Dictionary<string, object> Row(string name, string shape, double medianMs, double value, string unit, double peak, double cpuRatio)
    {
        var row = new Dictionary<string, object> { ["name"] = name, ["shape"] = shape };
        if (!double.IsNaN(medianMs)) row["median_ms"] = Math.Round(medianMs, 4);
        row[unit] = Math.Round(value, 2);
        row["peak"] = Math.Round(peak, 2);
        row["ratio"] = Math.Round(value / peak, 4);
        if (!double.IsNaN(cpuRatio)) row["cpu_ratio"] = Math.Round(cpuRatio, 4);
        return row;
    }

    /// <summary>
    /// Milliseconds per call: two warm-up calls, then up to <paramref name="reps"/> (at least 3) within the budget;
    /// also the process CPU seconds of all timed calls together.
    /// </summary>
    private static (double[] Times, double CpuSeconds) Time(BenchCase c, int reps, double budgetSeconds)
    {
        c.Run();
        c.Run();
        var times = new List<double>();
        double cpu0 = Peak.CpuSeconds();
        var total = Stopwatch.StartNew();
        while (times.Count < reps && (times.Count < 3 || total.Elapsed.TotalSeconds < budgetSeconds))
        {
            var sw = Stopwatch.StartNew();
            c.Run();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        return ([.. times], Peak.CpuSeconds() - cpu0);
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int h = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
    }

    private static string RepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "TipsRuntime.sln"))) return d.FullName;
        return Environment.CurrentDirectory;
    }
}
