using System.Diagnostics;
using System.Globalization;
using Tips.Kernels;
using Tips.Model.Config;
using Tips.Model.Nn;
using Tips.Model.Tensors;
using Tips.Model.Towers;

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
        string tower = "vision", variant = "B/14";
        int size = 448, tokens = 64, batch = 1, reps = 5;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--tower": tower = args[i + 1]; break;
                case "--variant": variant = args[i + 1]; break;
                case "--size": size = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--tokens": tokens = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--batch": batch = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--reps": reps = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"panelab: unknown argument '{args[i]}'");
                    return 2;
            }
        }
        var config = TipsConfig.FromVariant(variant);
        var sides = new[] { new CpuBackend(), new CpuBackend { CacheWeightPanels = false } };
        var forwards = sides.Select(backend => Forward(backend, config, tower, size, tokens, batch)).ToArray();
        foreach (var f in forwards)
        {
            f();
            f();
        }
        Console.WriteLine($"# panelab {tower} {variant} size {size} tokens {tokens} batch {batch}, {reps} alternated rounds, load {File.ReadAllText("/proc/loadavg").Trim()}");
        var wall = new[] { new List<double>(), new List<double>() };
        var cpu = new[] { new List<double>(), new List<double>() };
        using var self = Process.GetCurrentProcess();
        for (int r = 0; r < reps; r++)
            foreach (int s in r % 2 == 0 ? new[] { 0, 1 } : new[] { 1, 0 })
            {
                self.Refresh();
                var c0 = self.TotalProcessorTime;
                long t0 = Stopwatch.GetTimestamp();
                forwards[s]();
                wall[s].Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
                self.Refresh();
                cpu[s].Add((self.TotalProcessorTime - c0).TotalSeconds);
            }
        Console.WriteLine($"load after {File.ReadAllText("/proc/loadavg").Trim()}");
        string[] names = ["panel cache", "packed per call"];
        for (int s = 0; s < 2; s++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{names[s]}: wall median {Median(wall[s]):F3} s, cpu median {Median(cpu[s]):F3} s, backend holds {sides[s].BytesAllocated / 1048576.0:F0} MiB; cpu {string.Join(" ", cpu[s].Select(c => c.ToString("F3", CultureInfo.InvariantCulture)))}"));
        foreach (var b in sides) b.Dispose();
        return 0;
    }

    private static Action Forward(IBackend backend, TipsConfig config, string tower, int size, int tokens, int batch)
    {
        var init = Init.Normal(1, 0.02f);
        if (tower == "vision")
        {
            var t = VisionTower.Create(backend, config.Vision, init);
            var pixels = ModelInputs.Pixels(batch, size);
            return () =>
            {
                using var tape = new Tape(backend, recording: false);
                t.Forward(tape, tape.Constant(pixels, batch, size, size, 3));
            };
        }
        var text = TextTower.Create(backend, config.Text, init);
        var ids = ModelInputs.TextIds(batch, tokens, config.Text.VocabSize);
        return () =>
        {
            using var tape = new Tape(backend, recording: false);
            text.Forward(tape, ids, batch);
        };
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        int h = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
    }
}
