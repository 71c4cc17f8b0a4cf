using System.Diagnostics;
using System.Globalization;
using Tips.Kernels;

namespace Tips.Bench;

/// <summary>
/// panelab [--tower vision|text] [--variant B/14] [--size 448] [--tokens 64] [--batch 1] [--reps 5]: one inference
/// forward on two cpu backends in one process, with and without the weight panel cache, calls alternating (the side
/// that goes first swapped every round): medians of wall and process CPU seconds per forward, and the bytes each
/// backend holds.
/// </summary>
public static class PanelCacheAb
{
    public static int Run(string[] args)
    {
        if (ForwardShape.Parse("panelab", args) is not { } shape) return 2;
        var sides = new[] { new CpuBackend { CacheWeightPanels = true }, new CpuBackend { CacheWeightPanels = false } };
        var steps = sides.Select(shape.Build).ToArray();
        foreach (var step in steps)
        {
            step.Run();
            step.Run();
        }
        Console.WriteLine($"# panelab {shape}, {shape.Reps} alternated rounds, load {File.ReadAllText("/proc/loadavg").Trim()}");
        var wall = new[] { new List<double>(), new List<double>() };
        var cpu = new[] { new List<double>(), new List<double>() };
        using var self = Process.GetCurrentProcess();
        for (int r = 0; r < shape.Reps; r++)
            foreach (int s in r % 2 == 0 ? new[] { 0, 1 } : new[] { 1, 0 })
            {
                self.Refresh();
                var c0 = self.TotalProcessorTime;
                long t0 = Stopwatch.GetTimestamp();
                steps[s].Run();
                wall[s].Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
                self.Refresh();
                cpu[s].Add((self.TotalProcessorTime - c0).TotalSeconds);
            }
        Console.WriteLine($"load after {File.ReadAllText("/proc/loadavg").Trim()}");
        string[] names = ["panel cache", "packed per call"];
        for (int s = 0; s < 2; s++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{names[s]}: wall median {Stats.Median(wall[s]):F3} s, cpu median {Stats.Median(cpu[s]):F3} s, backend holds {sides[s].BytesAllocated / 1048576.0:F0} MiB; cpu {string.Join(" ", cpu[s].Select(c => c.ToString("F3", CultureInfo.InvariantCulture)))}"));
        foreach (var step in steps) step.Dispose();
        foreach (var b in sides) b.Dispose();
        return 0;
    }
}
