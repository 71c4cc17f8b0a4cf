using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tips.Kernels;

namespace Tips.Bench;

/// <summary>
/// device --device cuda|opencl|ilgpu-cpu [--reps N] [--budget S] [--filter TEXT] [--models FILE.jsonl]:
/// the kernel cases of <see cref="Cases"/> on an ILGPU device, each against the device's measured FMA peak
/// (<see cref="IlgpuBackend.MeasureFmaGflops"/>) or copy bandwidth, plus the model steps that
/// `model --device ...` wrote to FILE.jsonl as achieved TFLOP/s. Prints one markdown table (scripts/gpu-check.sh).
/// </summary>
public static class DeviceSummary
{
    public static int Run(string[] args)
    {
        string device = "cuda";
        string? filter = null, models = null;
        int reps = 9;
        double budget = 3;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--device": device = Next(); break;
                    case "--filter": filter = Next(); break;
                    case "--models": models = Next(); break;
                    case "--reps": reps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--budget": budget = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    default: throw new ArgumentException($"unknown argument '{args[i]}'");
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                Console.Error.WriteLine($"device: {e.Message} (usage: device --device NAME [--reps N] [--budget S] [--filter TEXT] [--models FILE])");
                return 2;
            }
        }

        IBackend created;
        try
        {
            created = Backends.Create(device);
        }
        catch (BackendException e)
        {
            Console.Error.WriteLine($"device: {e.Message}");
            return 1;
        }
        using var backend = created;
        if (backend is not IlgpuBackend gpu)
        {
            Console.Error.WriteLine($"device: '{device}' is not an ILGPU device (the cpu backend has `summary`)");
            return 2;
        }
        // The emulator runs each GPU thread as an OS thread: tiny probes there, only to exercise the command.
        bool emulator = backend.Name == "ilgpu-cpu";
        double fma = emulator ? gpu.MeasureFmaGflops(runs: 1, iterations: 64, threads: 256) : gpu.MeasureFmaGflops();
        double copy = emulator ? gpu.MeasureCopyGBps(runs: 1, floats: 1 << 16) : gpu.MeasureCopyGBps();
        Console.WriteLine($"# device benchmark summary ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {backend.Device})");
        Console.WriteLine($"peak: FMA {fma / 1e3:F2} TFLOP/s, copy {copy:F1} GB/s (measured)");
        Console.WriteLine();
        Console.WriteLine("| kernel | shape | median ms | throughput | of peak |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var (_, create) in Cases.All)
        {
            using var c = create();
            if (filter is not null && !c.Key.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
            c.Setup(backend);
            c.Run();
            var times = new List<double>();
            var total = Stopwatch.StartNew();
            while (times.Count < reps && (times.Count < 3 || total.Elapsed.TotalSeconds < budget))
            {
                long t0 = Stopwatch.GetTimestamp();
                c.Run();
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            double median = Stats.Median(times);
            double value = c.Work / (median / 1e3) / 1e9, peak = c.IsFlops ? fma : copy;
            string throughput = c.IsFlops ? $"{value / 1e3:F2} TFLOP/s" : $"{value:F1} GB/s";
            Console.WriteLine($"| {c.Kernel} | {c.Shape} | {median:F3} | {throughput} | {value / peak:P1} |");
        }
        if (models is not null && File.Exists(models))
            foreach (var line in File.ReadLines(models).Where(l => l.TrimStart().StartsWith('{')))
                Console.WriteLine(ModelRow(line, fma));
        return 0;
    }

    /// <summary>A table row for one JSON line of `model`: the step's median and its matmul TFLOP/s.</summary>
    private static string ModelRow(string json, double fmaGflops)
    {
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        string What(string key) => r.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v.ToString() : "";
        double seconds = r.GetProperty("median_s").GetDouble(), gflop = r.GetProperty("gflop").GetDouble();
        string shape = $"{What("variant")} {What("size")}{What("tokens")} b{What("batch")}";
        return $"| {What("tower")} {What("kind")} | {shape} | {seconds * 1e3:F1} | {gflop / seconds / 1e3:F2} TFLOP/s | {gflop / seconds / fmaGflops:P1} |";
    }
}
