using System.Diagnostics;
using System.Globalization;
using Tips.Kernels;
using Tips.Model.Images;
using Tips.Train.Data;
using Tips.Train.Eval;

namespace Tips.Train.Cli;

/// <summary>tips ablate: the paper's ablations on generated scenes with the tiny recipe, as a markdown report and a plot.</summary>
internal static class AblateCommand
{
    public const string ReportFile = "ablation.md", PlotFile = "ablation.png", ResultsFile = "ablation.json";

    private static readonly string[] MetricNames =
        ["probe_seg_miou", "probe_depth_rmse", "retrieval_web_i2t", "retrieval_synthetic_i2t", "zeroshot_cls_acc", "knn_cls_acc", "zeroshot_seg_miou"];

    public static readonly CommandSpec Spec = new("ablate", "train the tiny model under the paper's ablation settings and compare", $"""
        usage: tips ablate --out REPORT_DIR [--seeds N] [--steps S] [--batch B] [--width W] [--depth L] [--only a,b,...]
                           [--typical-colour-share P] [--probe-images N] [--test-images N] [--device D]

        Trains the demo's tiny TIPS (width and depth as the demo's unless W, L say otherwise) on generated scenes once per
        setting and seed (seeds 0..N-1, default 2; S steps, default 300; same data order for every run), evaluates each like
        tips eval, and writes REPORT_DIR/{ReportFile} (mean ± std table with chance levels, the paper's trends marked
        reproduced or not), {PlotFile} and {ResultsFile}, rewritten after every run (seed by seed over all settings).
        Settings: {string.Join(", ", Ablation.Settings.Select(s => s.Name))}.
        --typical-colour-share P: the share of objects in their kind's typical colour in training and evaluation scenes
        (default {SceneGenerator.DefaultTypicalColourShare.ToString(CultureInfo.InvariantCulture)}; 0: kinds independent of colour).

        example:
          tips ablate --seeds 2 --steps 200 --out bench/results/ablation
        """,
        ["--out", "--seeds", "--steps", "--batch", "--width", "--depth", "--only", "--typical-colour-share", "--probe-images", "--test-images"], [], Run);

    private static int Run(Args args, CliContext io)
    {
        string dir = args.Required("--out");
        string device = args.Optional("--device") ?? "cpu";
        int seeds = args.Int("--seeds", 2, 1, 100);
        var defaults = new TinyRunOptions();
        var run = defaults with
        {
            Steps = args.Int("--steps", 300, 1, 1_000_000),
            BatchSize = args.Int("--batch", defaults.BatchSize, 2, 4096),
            Width = args.Int("--width", defaults.Width, 2, 4096),
            Depth = args.Int("--depth", defaults.Depth, 1, 64),
            TypicalColourShare = args.Double("--typical-colour-share", defaults.TypicalColourShare, 0, 1),
        };
        var eval = new EvalOptions { ProbeImages = args.Int("--probe-images", 500, 1, 100_000), TestImages = args.Int("--test-images", 200, 2, 100_000),
            SegmentTemplates = Evaluator.SceneTemplates };
        var only = args.List("--only");
        var settings = Ablation.Settings.Where(s => only is null || only.Contains(s.Name)).ToArray();
        if (only is not null && settings.Length != only.Length)
            throw new UsageException($"ablate: --only names one of {string.Join(", ", Ablation.Settings.Select(s => s.Name))}");

        var clock = Stopwatch.StartNew();
        var started = DateTime.UtcNow;
        string loadBefore = LoadAverage();
        var results = new Dictionary<string, List<EvalReport>>();
        int done = 0, total = seeds * settings.Length;
        string budget = "";
        // Seed-major, and the report rewritten after every run: a run stopped early still leaves every setting's first seeds.
        for (int seed = 0; seed < seeds; seed++)
            foreach (var setting in settings)
            {
                io.Err.WriteLine($"ablate: {setting.Name}, seed {seed} ({done + 1} of {total})");
                string runDir = Path.Combine(dir, "runs", $"{setting.Name}_seed{seed}");
                using (var backend = Backends.Create(device))
                    TinyRun.Train(backend, run, setting.Apply(TinyRun.Options(run.Steps, seed)), runDir, io.Err);
                using var tips = TinyRun.Load(runDir, device);
                var report = EvalCommand.Evaluate(tips, "generated", eval, TextWriter.Null, run.TypicalColourShare);
                CliFiles.WriteText(Path.Combine(runDir, "metrics.json"), report.ToJson());
                (results.TryGetValue(setting.Name, out var list) ? list : results[setting.Name] = []).Add(report);
                done++;
                budget = string.Create(CultureInfo.InvariantCulture,
                    $"{seeds} seed(s) x {settings.Length} settings ({done} of {total} runs done), {run.Steps} steps of batch {run.BatchSize} each " +
                    $"({run.ImageSize}px scenes with typical colour share {run.TypicalColourShare}, width {run.Width}, depth {run.Depth}, patch {run.PatchSize}) on {device}; evaluation: probes on " +
                    $"{eval.ProbeImages} validation scenes, {eval.TestImages} test scenes, zero-shot segmentation on {Math.Min(eval.SegmentImages, eval.TestImages)}; " +
                    $"started {started:yyyy-MM-dd HH:mm} UTC on {Environment.MachineName} ({Environment.ProcessorCount} cores, load average " +
                    $"{loadBefore} at the start, {LoadAverage()} now); wall time {clock.Elapsed.TotalMinutes:F1} min, CPU time " +
                    $"{Process.GetCurrentProcess().TotalProcessorTime.TotalMinutes:F1} min.");
                Write(dir, results, settings.Select(s => s.Name).Where(results.ContainsKey).ToArray(), budget);
            }
        io.Out.WriteLine($"ablate: {budget}");
        io.Out.WriteLine($"-> {Path.Combine(dir, ReportFile)}, {Path.Combine(dir, PlotFile)}");
        return 0;
    }

    private static void Write(string dir, Dictionary<string, List<EvalReport>> results, string[] names, string budget)
    {
        var plot = BarChart.Draw(MetricNames, names, (s, m) => Ablation.Stats(results[s].Select(r => r[m]).ToArray()));
        PngWriter.WriteRgb(Path.Combine(dir, PlotFile), plot);
        CliFiles.WriteText(Path.Combine(dir, ReportFile), Ablation.Report(results, MetricNames, budget, PlotFile));
        CliFiles.WriteText(Path.Combine(dir, ResultsFile), "{\n" + string.Join(",\n", results.Select(kv =>
            $"  \"{kv.Key}\": [{string.Join(", ", kv.Value.Select(r => r.ToJson()))}]")) + "\n}\n");
    }

    /// <summary>The 1-minute load average (Linux), or "unknown": the report says how shared the machine was.</summary>
    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
