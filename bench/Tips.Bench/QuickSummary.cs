using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tips.Kernels;

namespace Tips.Bench;

/// <summary>
/// Fast lab mode: measure the machine peaks, time every case with a Stopwatch (warm-up, then repetitions until
/// a count or a time budget is reached), print a markdown table of medians and write bench/results/DATE-cpu.json.
/// GEMM rows also time OpenBLAS on the same call, interleaved with ours, when the library is installed.
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
        string device = $"{Environment.ProcessorCount} cores, GEMM kernel {(System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "12x32 AVX-512" : "6x16 AVX2")}";
        Console.WriteLine($"# cpu benchmark summary ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {device}, load average {LoadAverage()})");
        double fmaCpu = Peak.FmaGflopsPerCpuSecond();
        double fmaWall = Peak.FmaGflops();
        double fma = Peak.FmaPeakGflops(fmaWall, fmaCpu);
        double copy = Peak.CopyGBps();
        Console.WriteLine($"peak: FMA {fma:F1} GFLOP/s (all cores at once {fmaWall:F1}; one core {fmaCpu:F1} per CPU-second), copy {copy:F1} GB/s (best of 5, all cores)");
        Console.WriteLine("ratio: median throughput / peak; cpu ratio: flops per CPU-second / FMA per CPU-second (robust to other load)");
        Console.WriteLine($"OpenBLAS: {OpenBlas.Library ?? "not installed (apt-get install libopenblas0-pthread)"}; ours/OpenBLAS = OpenBLAS median time / ours, calls interleaved");
        Console.WriteLine();
        Console.WriteLine("| kernel | shape | median ms | min ms | throughput | peak | ratio | cpu ratio | OpenBLAS | ours/OpenBLAS |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");

        var rows = new List<Dictionary<string, object>>
        {
            Row("peak-fma", $"{Environment.ProcessorCount} cores", double.NaN, fma, "gflops", fma, double.NaN),
            Row("peak-fma-all-cores-wall", $"{Environment.ProcessorCount} cores", double.NaN, fmaWall, "gflops", fma, double.NaN),
            Row("peak-fma-per-cpu-second", "1 core", double.NaN, fmaCpu, "gflops", fmaCpu, double.NaN),
            Row("peak-copy", $"{Environment.ProcessorCount} cores, 128 MiB", double.NaN, copy, "gbps", copy, double.NaN),
        };
        foreach (var (_, create) in Cases.All)
        {
            using var c = create();
            if (filter is not null && !c.Key.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
            double[] times, referenceTimes;
            double cpuSeconds;
            try
            {
                c.Setup(backend);
                (times, referenceTimes, cpuSeconds) = Time(c, reps, budgetSeconds);
            }
            catch (NotImplementedException e)
            {
                Console.WriteLine($"| {c.Kernel} | {c.Shape} | n/a ({e.Message} not implemented) | | | | |");
                continue;
            }
            double median = Stats.Median(times), best = times.Min();
            double value = c.Work / (median / 1e3) / 1e9;
            double peak = c.IsFlops ? fma : copy;
            string unit = c.IsFlops ? "GFLOP/s" : "GB/s";
            double cpuRatio = c.IsFlops ? c.Work * times.Length / cpuSeconds / 1e9 / fmaCpu : double.NaN;
            double reference = referenceTimes.Length > 0 ? c.Work / (Stats.Median(referenceTimes) / 1e3) / 1e9 : double.NaN;
            string referenceCells = double.IsNaN(reference) ? " | " : $"{reference:F1} {unit} | {value / reference:F2}";
            Console.WriteLine($"| {c.Kernel} | {c.Shape} | {median:F3} | {best:F3} | {value:F1} {unit} | {peak:F1} | {value / peak:P1} | {(c.IsFlops ? cpuRatio.ToString("P1", CultureInfo.InvariantCulture) : "")} | {referenceCells} |");
            var row = Row(c.Kernel, c.Shape, median, value, c.IsFlops ? "gflops" : "gbps", peak, cpuRatio);
            if (!double.IsNaN(reference))
            {
                row[c.IsFlops ? "openblas_gflops" : "openblas_gbps"] = Math.Round(reference, 2);
                row["vs_openblas"] = Math.Round(value / reference, 3);
            }
            rows.Add(row);
        }

        string path = Path.Combine(RepoRoot(), "bench", "results", $"{DateTime.UtcNow:yyyy-MM-dd}-cpu.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var doc = new Dictionary<string, object>
        {
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["device"] = device,
            ["load_average"] = LoadAverage(),
            ["openblas"] = OpenBlas.Library ?? "",
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
    /// also the process CPU seconds of all timed calls together. With a reference library, each repetition also
    /// times the reference call right after ours, then lets its spinning workers settle before ours runs again.
    /// </summary>
    private static (double[] Times, double[] ReferenceTimes, double CpuSeconds) Time(BenchCase c, int reps, double budgetSeconds)
    {
        c.Run();
        c.Run();
        if (c.HasReference)
        {
            c.RunReference();
            Thread.Sleep(OpenBlas.SettleTime);
        }
        var times = new List<double>();
        var referenceTimes = new List<double>();
        double cpuSeconds = 0;
        var total = Stopwatch.StartNew();
        while (times.Count < reps && (times.Count < 3 || total.Elapsed.TotalSeconds < budgetSeconds))
        {
            double cpu0 = Peak.CpuSeconds();
            var sw = Stopwatch.StartNew();
            c.Run();
            times.Add(sw.Elapsed.TotalMilliseconds);
            cpuSeconds += Peak.CpuSeconds() - cpu0;
            if (!c.HasReference) continue;
            sw.Restart();
            c.RunReference();
            referenceTimes.Add(sw.Elapsed.TotalMilliseconds);
            Thread.Sleep(OpenBlas.SettleTime);
        }
        return ([.. times], [.. referenceTimes], cpuSeconds);
    }

    /// <summary>The 1-minute load average (Linux), so that numbers measured on a busy machine say so.</summary>
    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    private static string RepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "TipsRuntime.sln"))) return d.FullName;
        return Environment.CurrentDirectory;
    }
}
