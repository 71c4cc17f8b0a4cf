using System.Diagnostics;
using System.Globalization;
using Tips.Kernels;
using Tips.Model;
using Tips.Model.Images;
using Tips.Train.Data;
using Tips.Train.Eval;

namespace Tips.Train.Cli;

/// <summary>tips demo: generate scenes, train a tiny TIPS, evaluate it and draw what it learnt.</summary>
internal static class DemoCommand
{
    public const string MetricsMarkdown = "metrics.md", MetricsJson = "metrics.json", PcaPng = "pca.png", SegmentationPng = "segmentation.png",
        UntrainedDir = "untrained";

    // Before Spec: static fields initialise in declaration order.
    private static readonly TinyRunOptions Defaults = new();
    // 7 training minutes keep the whole demo under 10 on a loaded 2-core machine: evaluation and figures take about
    // 0.3 min and the launcher's first build 1-1.5 min (measured under load average 7-18, where an 8-minute limit
    // stopped a 1000-step run at step 876 and the demo took 9.4 min with the build).
    private const int DefaultMinutes = 7, DefaultProbeImages = 1000;

    public static readonly CommandSpec Spec = new("demo", "train a tiny TIPS on generated scenes and evaluate it", $"""
        usage: tips demo [--out DIR] [--minutes N] [--steps S] [--batch B] [--typical-colour-share P] [--probe-images N]
                         [--test-images N] [--device D]

        From nothing: generates scenes (shapes with class and depth maps, web and synthetic captions), writes a tokenizer
        for their words, trains a tiny TIPS ({Defaults.ImageSize} px scenes, patch {Defaults.PatchSize}, width {Defaults.Width}, {Defaults.Depth} blocks; the full recipe: both
        captions with dual CLS, self-distillation, masked-patch loss) for S steps (default {Defaults.Steps}) of batch B (default {Defaults.BatchSize})
        or N minutes (default {DefaultMinutes}), whichever comes first, then evaluates it on held-out scenes (tips eval's protocols,
        probes fit on N validation scenes, default {DefaultProbeImages}) and writes into DIR (default demo/):
          metrics.md, metrics.json   the metrics table with chance levels and the untrained model's values
          pca.png                    a held-out scene beside the PCA map of its patch tokens
          segmentation.png           the scene, its ground truth and the zero-shot segmentation (released recipe)
          config.json, tokenizer.model, vision.safetensors, text.safetensors   the trained model
          untrained/                 the same files for its initial weights
        In the scenes each kind has a typical colour (circles red, squares orange, triangles yellow, stars green, rings
        blue, crosses purple, diamonds white, hexagons black) that a share P of its objects have (default {Defaults.TypicalColourShare.ToString(CultureInfo.InvariantCulture)});
        with P = 0 colour says nothing about the kind, and this tiny model then learns no kind in its budget.
        Default device: cpu.

        example:
          tips demo --out demo --minutes 5
        """,
        ["--out", "--minutes", "--steps", "--batch", "--typical-colour-share", "--probe-images", "--test-images"], [], Run);

    private static int Run(Args args, CliContext io)
    {
        string dir = args.Optional("--out") ?? "demo";
        string device = args.Optional("--device") ?? "cpu";
        var run = new TinyRunOptions
        {
            Steps = args.Int("--steps", Defaults.Steps, 1, 1_000_000),
            BatchSize = args.Int("--batch", Defaults.BatchSize, 2, 4096),
            TimeLimit = TimeSpan.FromMinutes(args.Int("--minutes", DefaultMinutes, 1, 10_000)),
            TypicalColourShare = args.Double("--typical-colour-share", Defaults.TypicalColourShare, 0, 1),
        };
        var eval = new EvalOptions
        {
            ProbeImages = args.Int("--probe-images", DefaultProbeImages, 1, 100_000),
            TestImages = args.Int("--test-images", 100, 2, 100_000),
            SegmentTemplates = Evaluator.SceneTemplates,
        };
        // Zero-shot segmentation on every test scene: on 25 its mIoU still moves by about +-0.05 between splits.
        eval = eval with { SegmentImages = eval.TestImages };
        var clock = Stopwatch.StartNew();
        io.Out.WriteLine($"demo: training a tiny TIPS on generated {run.ImageSize}px scenes on {device} (up to {run.Steps} steps or {run.TimeLimit!.Value.TotalMinutes} min)");
        int steps;
        var options = TinyRun.Options(run.Steps, seed: 0);
        using (var backend = Backends.Create(device))
            steps = TinyRun.Train(backend, run, options, dir, io.Err);
        var trainTime = clock.Elapsed;
        var trainCpu = Process.GetCurrentProcess().TotalProcessorTime;

        using var tips = TinyRun.Load(dir, device);
        var report = EvalCommand.Evaluate(tips, "generated", eval, io.Err, run.TypicalColourShare);
        io.Err.WriteLine("demo: the same evaluation of the initial weights, to show what training added");
        string untrainedDir = Path.Combine(dir, UntrainedDir);
        using (var backend = Backends.Create(device))
            TinyRun.WriteUntrained(backend, run, options, untrainedDir);
        EvalReport untrained;
        using (var initial = TinyRun.Load(untrainedDir, device))
            untrained = EvalCommand.Evaluate(initial, "generated", eval, io.Err, run.TypicalColourShare);
        string header = string.Create(CultureInfo.InvariantCulture,
            $"Tiny TIPS ({run.ImageSize}px scenes, patch {run.PatchSize}, width {run.Width}, depth {run.Depth}), {steps} steps of batch {run.BatchSize} " +
            $"on {device} in {trainTime.TotalMinutes:F1} min ({trainCpu.TotalMinutes:F1} CPU-minutes); evaluated on {eval.TestImages} held-out scenes (probes fit on {eval.ProbeImages}); " +
            $"untrained: the same evaluation of the initial weights ({UntrainedDir}/).");
        CliFiles.WriteText(Path.Combine(dir, MetricsMarkdown), $"# tips demo\n\n{header}\n\n{report.ToMarkdown(untrained)}");
        CliFiles.WriteText(Path.Combine(dir, MetricsJson), report.ToJson(untrained));
        DrawFigures(tips, dir, run.TypicalColourShare);

        io.Out.WriteLine(header);
        io.Out.Write(report.ToTable(untrained));
        io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"demo: done in {clock.Elapsed.TotalMinutes:F1} min -> {Path.GetFullPath(dir)}"));
        foreach (var f in new[] { MetricsMarkdown, MetricsJson, PcaPng, SegmentationPng }) io.Out.WriteLine($"  {Path.Combine(dir, f)}");
        return 0;
    }

    /// <summary>The PCA map and the zero-shot segmentation of the first held-out (test split) scene with three objects.</summary>
    private static void DrawFigures(TipsPipeline tips, string dir, double typicalColourShare)
    {
        int size = tips.NativeSize;
        var generator = new SceneGenerator(size, size, typicalColourShare: typicalColourShare);
        var scene = Enumerable.Range(0, 50).Select(i => generator.Generate(Split.Test, i)).OrderByDescending(s => s.Objects.Count).First();
        var image = scene.Example.Image;
        const int scale = 4;

        var pca = tips.Pca([image]).Maps[0].Upsample(size, size);
        PngWriter.WriteRgb(Path.Combine(dir, PcaPng), Figures.Panels([(image, "held-out scene"), (pca, "pca of patch tokens")], scale));

        var kinds = Evaluator.KindNames;
        var seg = tips.Segment(image, kinds, templates: Evaluator.SceneTemplates);
        var truth = Figures.Colorize(scene.Example.Classes!, size, size, 0);
        // The zero-shot metric scores object pixels only (no background prompt): the figure greys the rest the same way.
        var objects = seg.Labels.Select((l, i) => scene.Example.Classes![i] == 0 ? -1 : l).ToArray();
        var predicted = Figures.Colorize(objects, size, size, 1);
        var legend = kinds.Select((k, i) => (k, Overlay.Color(i))).Prepend(("background", (0.15f, 0.15f, 0.15f))).ToArray();
        PngWriter.WriteRgb(Path.Combine(dir, SegmentationPng),
            Figures.Panels([(image, "scene"), (truth, "ground truth"), (predicted, "zero-shot, objects")], scale, legend));
    }
}
