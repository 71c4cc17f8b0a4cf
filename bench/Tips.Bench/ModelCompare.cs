using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tips.Kernels;
using Tips.Model.Config;
using Tips.Model.Nn;
using Tips.Model.Tensors;
using Tips.Model.Towers;

namespace Tips.Bench;

/// <summary>
/// model --kind forward|train --tower vision|text --variant S/14|B/14 [--size 448] [--tokens 64] [--batch 1]
///       [--budget 10] [--min-reps 3] [--max-reps 9] [--profile] [--serve] [--device cpu|cuda|opencl|ilgpu-cpu]
/// One configuration of the comparison with PyTorch (bench/run-compare.sh), timed like bench/torch_tips.py: one
/// warm-up, then repetitions until max-reps or until min-reps and the budget; one JSON line with the median and the
/// process's peak resident set (run one configuration per process). --profile adds the per-op times of one call.
/// --serve: after the warm-up, one timed step per "step" line on stdin (its seconds as a JSON line) until "end",
/// then the same summary line (bench/compare_driver.py alternates these steps with PyTorch's).
/// Random weights N(0, 0.02); the training step is a Linear(D, 1000) head on CLS1, cross-entropy against fixed
/// labels, mean over the batch, backward, AdamW (lr 1e-4, betas 0.9/0.999, eps 1e-8, weight decay 0.05 on every
/// parameter) - the same objective as the PyTorch side.
/// </summary>
public static class ModelCompare
{
    private sealed record Options(string Kind, string Tower, string Variant, int Size, int Tokens, int Batch,
        double Budget, int MinReps, int MaxReps, bool Profile, bool Serve, string Device);

    public static int Run(string[] args)
    {
        Options o;
        try
        {
            o = Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"model: {e.Message}");
            return 2;
        }

        IBackend device;
        try
        {
            device = Backends.Create(o.Device);
        }
        catch (BackendException e)
        {
            Console.Error.WriteLine($"model: {e.Message}");
            return 1;
        }
        var profiler = o.Profile ? new OpProfiler(device) : null;
        using IBackend backend = profiler is null ? device : profiler;
        var config = TipsConfig.FromVariant(o.Variant);
        using var step = o.Tower == "vision"
            ? (IStep)new VisionStep(backend, config.Vision, o)
            : new TextStep(backend, config.Text, o);

        double before = ResidentMb("VmRSS");
        step.Run();
        var times = new List<double>();
        var cpuTimes = new List<double>();
        using var self = Process.GetCurrentProcess();
        var threads0 = ThreadCpuSeconds();
        long allocated0 = GC.GetTotalAllocatedBytes();
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        void TimedStep()
        {
            self.Refresh();
            var c0 = self.TotalProcessorTime;
            long t0 = Stopwatch.GetTimestamp();
            step.Run();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            self.Refresh();
            cpuTimes.Add((self.TotalProcessorTime - c0).TotalSeconds);
        }

        if (o.Serve)
        {
            // One timed step per "step" line on stdin, its seconds on stdout, until "end": the driver
            // (bench/compare_driver.py) alternates our steps with PyTorch's.
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["ready"] = true }));
            while (Console.ReadLine() is { } command && command.Trim() != "end")
            {
                if (command.Trim() != "step")
                {
                    Console.Error.WriteLine($"model: unknown command '{command}' (expected step or end)");
                    return 2;
                }
                TimedStep();
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                    { ["s"] = Math.Round(times[^1], 5), ["cpu_s"] = Math.Round(cpuTimes[^1], 5) }));
            }
            if (times.Count == 0)
            {
                Console.Error.WriteLine("model: no step was timed");
                return 2;
            }
        }
        else
        {
            var total = Stopwatch.StartNew();
            while (times.Count < o.MaxReps && (times.Count < o.MinReps || total.Elapsed.TotalSeconds < o.Budget))
                TimedStep();
        }
        var sorted = times.Order().ToArray();
        double median = Stats.Median(sorted);

        var line = new Dictionary<string, object?>
        {
            ["side"] = "ours", ["kind"] = o.Kind, ["tower"] = o.Tower, ["variant"] = o.Variant,
            ["size"] = o.Tower == "vision" ? o.Size : null, ["tokens"] = o.Tower == "text" ? o.Tokens : null,
            ["batch"] = o.Batch, ["threads"] = Environment.ProcessorCount, ["device"] = backend.Device,
            ["gflop"] = Math.Round(ModelFlops.Step(config, o.Tower, o.Kind, o.Size, o.Tokens, o.Batch) / 1e9, 3),
            ["median_s"] = Math.Round(median, 5), ["min_s"] = Math.Round(sorted[0], 5), ["reps"] = times.Count,
            ["times_s"] = times.Select(t => Math.Round(t, 4)).ToArray(),
            // Process CPU seconds (all threads) per repetition: less sensitive than wall time to other load.
            ["cpu_median_s"] = Math.Round(Stats.Median(cpuTimes.Order().ToArray()), 5),
            // CPU seconds per repetition of the busiest threads: a main thread far ahead of the rest means serial work.
            ["thread_cpu_s"] = ThreadCpuSeconds().Select(t => (t.Value - threads0.GetValueOrDefault(t.Key)) / times.Count)
                .Where(t => t > 0.001).OrderDescending().Take(6).Select(t => Math.Round(t, 3)).ToArray(),
            ["managed_alloc_mb_per_rep"] = Math.Round((GC.GetTotalAllocatedBytes() - allocated0) / 1048576.0 / times.Count, 2),
            ["gc_per_rep"] = Math.Round((double)(GC.CollectionCount(0) - gen0) / times.Count, 2),
            ["gc2_per_rep"] = Math.Round((double)(GC.CollectionCount(2) - gen2) / times.Count, 2),
            ["rss_before_mb"] = Math.Round(before, 1), ["peak_mb"] = Math.Round(ResidentMb("VmHWM"), 1),
        };
        if (profiler is not null)
        {
            profiler.Reset();
            var c0 = Environment.CpuUsage.TotalTime;
            long t0 = Stopwatch.GetTimestamp();
            step.Run();
            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            line["profile_total_s"] = Math.Round(seconds, 5);
            line["profile_cpu_s"] = Math.Round((Environment.CpuUsage.TotalTime - c0).TotalSeconds, 5);
            line["profile"] = profiler.Ops.OrderByDescending(p => p.Value.Seconds)
                .Select(p => new Dictionary<string, object> { ["op"] = p.Key, ["calls"] = p.Value.Calls, ["s"] = Math.Round(p.Value.Seconds, 5), ["cpu_s"] = Math.Round(p.Value.CpuSeconds, 5) })
                .ToArray();
        }
        Console.WriteLine(JsonSerializer.Serialize(line));
        return 0;
    }

    private static Options Parse(string[] args)
    {
        string? kind = null, tower = null, variant = null;
        string device = "cpu";
        int size = 448, tokens = 64, batch = 1, minReps = 3, maxReps = 9;
        double budget = 10;
        bool profile = false, serve = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0
                ? v : throw new ArgumentException($"{args[i - 1]} needs a positive integer, got '{args[i]}'");
            switch (args[i])
            {
                case "--kind": kind = Next(); break;
                case "--tower": tower = Next(); break;
                case "--variant": variant = Next(); break;
                case "--size": size = NextInt(); break;
                case "--tokens": tokens = NextInt(); break;
                case "--batch": batch = NextInt(); break;
                case "--min-reps": minReps = NextInt(); break;
                case "--max-reps": maxReps = NextInt(); break;
                case "--budget":
                    budget = double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out double b) && b >= 0
                        ? b : throw new ArgumentException($"--budget needs seconds, got '{args[i]}'");
                    break;
                case "--profile": profile = true; break;
                case "--device": device = Next(); break;
                case "--serve": serve = true; break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        if (kind is not ("forward" or "train")) throw new ArgumentException("--kind must be forward or train");
        if (tower is not ("vision" or "text")) throw new ArgumentException("--tower must be vision or text");
        if (variant is not ("S/14" or "B/14")) throw new ArgumentException("--variant must be S/14 or B/14");
        if (kind == "train" && tower == "text") throw new ArgumentException("training is timed for the vision tower only");
        if (size % 14 != 0) throw new ArgumentException($"--size {size} is not a multiple of 14");
        if (tokens > 64) throw new ArgumentException($"--tokens {tokens} exceeds 64");
        if (!Backends.Names.Contains(device)) throw new ArgumentException($"--device must be one of {string.Join(", ", Backends.Names)}");
        return new Options(kind, tower, variant, size, tokens, batch, budget, minReps, Math.Max(minReps, maxReps), profile, serve, device);
    }

    /// <summary>User + system CPU seconds of each thread of this process (/proc/self/task/*/stat, clock ticks of 10 ms).</summary>
    private static Dictionary<string, double> ThreadCpuSeconds()
    {
        var result = new Dictionary<string, double>();
        foreach (string dir in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                result[Path.GetFileName(dir)] = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read.
            }
        }
        return result;
    }

    /// <summary>A /proc/self/status field in MiB: VmRSS now, VmHWM the peak (what ru_maxrss reports).</summary>
    private static double ResidentMb(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        return double.NaN;
    }

    internal interface IStep : IDisposable
    {
        void Run();
    }

    /// <summary>The inference forward this mode times, for the other bench modes that time the same one.</summary>
    internal static IStep ForwardStep(IBackend backend, string tower, string variant, int size, int tokens, int batch)
    {
        var o = new Options("forward", tower, variant, size, tokens, batch, 0, 1, 1, false, false, backend.Name);
        var config = TipsConfig.FromVariant(variant);
        return tower == "vision" ? new VisionStep(backend, config.Vision, o) : new TextStep(backend, config.Text, o);
    }

    private sealed class VisionStep : IStep
    {
        private readonly IBackend _backend;
        private readonly Options _o;
        private readonly VisionTower _tower;
        private readonly float[] _pixels;
        private readonly float[] _targets;
        private readonly Tensor? _headWeight, _headBias;
        private readonly List<(Tensor Param, Tensor M, Tensor V)> _slots = [];
        private int _step;

        public VisionStep(IBackend backend, VisionConfig config, Options o)
        {
            _backend = backend;
            _o = o;
            var init = Init.Normal(1, 0.02f);
            _tower = VisionTower.Create(backend, config, init);
            _pixels = ModelInputs.Pixels(o.Batch, o.Size);
            _targets = ModelInputs.OneHotLabels(o.Batch);
            if (o.Kind != "train") return;
            _headWeight = Tensor.FromHost(backend, init("head.weight", [ModelInputs.Classes, config.Width]), [ModelInputs.Classes, config.Width], requiresGrad: true);
            _headBias = Tensor.FromHost(backend, init("head.bias", [ModelInputs.Classes]), [ModelInputs.Classes], requiresGrad: true);
            foreach (var p in _tower.Parameters.Items.Select(i => i.Value).Append(_headWeight).Append(_headBias))
            {
                var m = Tensor.Empty(backend, p.Shape);
                var v = Tensor.Empty(backend, p.Shape);
                backend.Fill(m.Data, 0f);
                backend.Fill(v.Data, 0f);
                _slots.Add((p, m, v));
            }
        }

        public void Run()
        {
            bool train = _o.Kind == "train";
            using var tape = new Tape(_backend, recording: train);
            var images = tape.Constant(_pixels, _o.Batch, _o.Size, _o.Size, 3);
            var output = _tower.Forward(tape, images);
            if (!train)
            {
                _backend.Synchronize();
                return;
            }
            var logits = tape.Linear(output.Cls1, _headWeight!, _headBias);
            var loss = tape.Mean(tape.SoftCrossEntropy(logits, tape.Constant(_targets, _o.Batch, ModelInputs.Classes), 1f));
            tape.Backward(loss);
            _step++;
            foreach (var (p, m, v) in _slots)
            {
                if (p.Grad is not { } g) continue;
                _backend.AdamW(p.Data, g, m.Data, v.Data, 1e-4f, 0.9f, 0.999f, 1e-8f, 0.05f, _step);
                p.ZeroGrad();
            }
            _backend.Synchronize();
        }

        public void Dispose()
        {
            foreach (var (_, m, v) in _slots)
            {
                m.Dispose();
                v.Dispose();
            }
            _headWeight?.Dispose();
            _headBias?.Dispose();
            _tower.Dispose();
        }
    }

    private sealed class TextStep(IBackend backend, TextConfig config, Options o) : IStep
    {
        private readonly TextTower _tower = TextTower.Create(backend, config, Init.Normal(1, 0.02f));
        private readonly int[] _ids = ModelInputs.TextIds(o.Batch, o.Tokens, config.VocabSize);

        public void Run()
        {
            using var tape = new Tape(backend, recording: false);
            _tower.Forward(tape, _ids, o.Batch);
            backend.Synchronize();
        }

        public void Dispose() => _tower.Dispose();
    }
}
