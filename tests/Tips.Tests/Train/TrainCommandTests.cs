using System.Text.Json.Nodes;
using Tips.Model;
using Tips.Model.Checkpoints;
using Tips.Model.Config;
using Tips.Train;
using Tips.Train.Cli;
using Tips.Train.Training;

namespace Tips.Tests.Train;

/// <summary><c>tips train</c> on generated scenes with the tiny fixture's model shape and tokenizer.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tips-train-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string SmallHeads = """ "head_hidden": 32, "head_bottleneck": 16, "prototypes": 32, "warmup_steps": 1, "freeze_last_layer_steps": 1, "mask_kind": "block" """;

    private string WriteRun(string train = $$"""{"total_steps": 4, {{SmallHeads}}}""", string extra = "")
    {
        string path = Path.Combine(_dir, $"run{Guid.NewGuid():N}.json");
        File.WriteAllText(path, $$$"""
            {"model": "{{{Path.Combine(Paths.Tiny, "config.json")}}}", "tokenizer": "{{{Path.Combine(Paths.Tiny, "tokenizer.model")}}}",
             "data": {"scenes": {"count": 50, "size": 64}}, "batch_size": 2, "global_size": 56, "local_size": 28,
             "local_crops": 1, "checkpoint_every": 2, {{{extra}}} "train": {{{train}}}}
            """);
        return path;
    }

    [Theory]
    [InlineData("", 0.75)]
    [InlineData(""", "typical_colour_share": 0""", 0.0)]
    [InlineData(""", "typical_colour_share": 0.4""", 0.4)]
    public void SceneDataTakesTheTypicalColourShare(string extra, double expected)
    {
        string path = WriteRun();
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"size\": 64}", $"\"size\": 64{extra}}}"));
        var config = RunConfig.Load(path, []);
        Assert.Equal(expected, Assert.IsType<Tips.Train.Data.SceneDataset>(config.Source).Generator.TypicalColourShare);
        Assert.Equal(expected, config.Resolved["data"]!["scenes"]!["typical_colour_share"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.5")]
    [InlineData("\"0.5\"")]
    [InlineData("null")]
    public void BadTypicalColourSharesAreOneLineErrors(string value)
    {
        string path = WriteRun();
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"size\": 64}", $"\"size\": 64, \"typical_colour_share\": {value}}}"));
        var e = Assert.Throws<TipsException>(() => RunConfig.Load(path, []));
        Assert.Equal($"{path}: 'typical_colour_share' must be a number in [0, 1]", e.Message);
    }

    /// <summary>Runs tips train through the command table with test hooks; returns stdout.</summary>
    private static string Train(TrainCommand.Hooks? hooks, params string[] args)
    {
        var stdout = new StringWriter();
        var parsed = Args.Parse(TrainCommand.Spec, args);
        Assert.Equal(0, TrainCommand.Run(parsed, new CliContext(stdout, new StringWriter()), hooks ?? new TrainCommand.Hooks(Stop: CancellationToken.None)));
        return stdout.ToString();
    }

    private static JsonObject[] Metrics(string runDir) =>
        File.ReadAllLines(Path.Combine(runDir, MetricsLog.FileName)).Select(l => (JsonObject)JsonNode.Parse(l)!).ToArray();

    private static string[] Losses(string runDir) =>
        Metrics(runDir).Select(m => string.Join(" ", new[] { "step", "loss", "clip_web", "clip_synthetic", "distill", "mask", "grad_norm", "tau_web" }
            .Select(k => m[k]!.ToJsonString()))).ToArray();

    [Fact]
    public void HelpListsTrainWithExamples()
    {
        var usage = new StringWriter();
        Assert.Equal(0, Program.Run(["--help"], usage));
        Assert.Contains("\n  train ", usage.ToString());
        var help = new StringWriter();
        Assert.Equal(0, Program.Run(["train", "--help"], help));
        Assert.Contains("examples:", help.ToString());
        Assert.Contains("tips train --config", help.ToString());
    }

    [Fact]
    public void ResumeAfterUntilAndInterruptRepeatsTheUninterruptedRunBitExactly()
    {
        string run = WriteRun(), a = Path.Combine(_dir, "a"), b = Path.Combine(_dir, "b");
        Train(null, "--config", run, "--out", a);
        var straight = Losses(a);
        Assert.Equal(4, straight.Length);
        Assert.All(Metrics(a), m => Assert.False(m["skipped"]!.GetValue<bool>()));

        Assert.Contains("stopped at step 1", Train(null, "--config", run, "--out", b, "--until", "1"));
        // A stop request (Ctrl-C) during step 2 lets that step finish, then checkpoints and exits 0.
        using var stop = new CancellationTokenSource();
        string interrupted = Train(new TrainCommand.Hooks(Stop: stop.Token, AfterStep: r => { if (r.Step == 2) stop.Cancel(); }),
            "--config", run, "--out", b, "--resume");
        Assert.Contains("interrupted: checkpoint at step 3", interrupted);
        Assert.Equal("3", StateDict.Load(Path.Combine(b, TrainCommand.CheckpointFile)).Metadata["step"]);
        Train(null, "--config", run, "--out", b, "--resume");
        Assert.Equal(straight, Losses(b));

        var va = StateDict.Load(Path.Combine(a, "vision.safetensors"));
        var vb = StateDict.Load(Path.Combine(b, "vision.safetensors"));
        foreach (var key in va.Keys) Assert.Equal(va[key].Floats, vb[key].Floats);
        // The exported towers load as release checkpoints of the configured shape.
        var config = TipsConfig.Load(Path.Combine(Paths.Tiny, "config.json"));
        using var backend = Tips.Kernels.Backends.Create("cpu");
        using var model = Tips.Model.Towers.TipsModel.Load(backend, Path.Combine(a, "vision.safetensors"), Path.Combine(a, "text.safetensors"), config);
        Assert.InRange(model.Temperature, 0.01f, 0.2f);
        Assert.Equal(Metrics(a)[^1]["tau_web"]!.GetValue<double>(), model.Temperature, 1e-6);
    }

    [Fact]
    public void MetricsCurveAndResolvedConfigDescribeTheRun()
    {
        string run = WriteRun($$"""{"total_steps": 2, {{SmallHeads}}}"""), dir = Path.Combine(_dir, "m");
        string summary = Train(null, "--config", run, "--out", dir, "--set", "mask_ratio=0.5");
        Assert.Matches(@"images/s, [0-9.]+ s/step \(data [0-9.]+% forward [0-9.]+% backward [0-9.]+% optimizer [0-9.]+%\)", summary);
        foreach (var m in Metrics(dir))
        {
            foreach (var key in new[] { "loss", "clip_web", "clip_synthetic", "distill", "mask", "grad_norm", "lr", "teacher_temp", "tau_web", "tau_synthetic" })
                Assert.True(double.IsFinite(m[key]!.GetValue<double>()), key);
            double parts = new[] { "data_s", "forward_s", "backward_s", "optimizer_s" }.Sum(k => m[k]!.GetValue<double>());
            Assert.All(new[] { "data_s", "forward_s", "backward_s", "optimizer_s" }, k => Assert.True(m[k]!.GetValue<double>() >= 0, k));
            Assert.InRange(m["forward_s"]!.GetValue<double>(), 1e-6, double.MaxValue);
            Assert.InRange(parts, 0, m["step_s"]!.GetValue<double>());
            Assert.Equal(2 / m["step_s"]!.GetValue<double>(), m["images_per_s"]!.GetValue<double>(), 6);
            Assert.Equal(0.07, m["tau_synthetic"]!.GetValue<double>(), 0.01);
        }

        using (var png = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(Path.Combine(dir, TrainCommand.CurveFile)))
            Assert.Equal((800, 480), (png.Width, png.Height));

        // Every default and override is written out, and the file is itself a run.json giving the same settings.
        string resolved = Path.Combine(dir, TrainCommand.ResolvedFile);
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(resolved))!;
        Assert.Equal(0.5, json["train"]!["mask_ratio"]!.GetValue<double>());
        Assert.Equal("full_ema", json["train"]!["teacher"]!.GetValue<string>());
        Assert.Equal(RunConfig.DefaultMaxBadSteps, json["max_bad_steps"]!.GetValue<int>());
        Assert.Equal(64, json["model"]!["vision"]!["width"]!.GetValue<int>());
        Assert.Equal(0.75, json["data"]!["scenes"]!["typical_colour_share"]!.GetValue<double>());
        var again = RunConfig.Load(resolved, []);
        Assert.True(JsonNode.DeepEquals(json, again.Resolved));
        Assert.Equal(0.5f, again.Options.MaskRatio);

        // Resuming with other settings would no longer be one run.
        var e = Assert.Throws<TipsException>(() => Train(null, "--config", run, "--out", dir, "--resume"));
        Assert.Contains("train.mask_ratio: 0.5 -> 0.75", e.Message);
    }

    [Fact]
    public void NonFiniteStepsAreSkippedAndTooManyStopTheRunWithItsCheckpointIntact()
    {
        static TrainBatch Poison(TrainBatch b)
        {
            b.Global[3] = float.NaN;
            return b;
        }
        string run = WriteRun($$"""{"total_steps": 6, {{SmallHeads}}}""", """ "max_bad_steps": 2, """), dir = Path.Combine(_dir, "nan");
        int calls = 0;
        // Batch 1 is poisoned once: skipped and reported, the run goes on; from batch 3 on every batch is poisoned.
        var hooks = new TrainCommand.Hooks(Batch: b => ++calls is 2 or >= 4 ? Poison(b) : b, Stop: CancellationToken.None);
        string checkpoint = Path.Combine(dir, TrainCommand.CheckpointFile);
        var e = Assert.Throws<TipsException>(() => Train(hooks, "--config", run, "--out", dir));
        Assert.Contains("2 steps in a row with a non-finite loss or gradient at step 2", e.Message);
        Assert.Contains($"last good checkpoint is {checkpoint} (step 2)", e.Message);
        var skipped = Metrics(dir).Select(m => (m["step"]!.GetValue<int>(), m["skipped"]!.GetValue<bool>(), m["loss"] is null)).ToArray();
        Assert.Equal(new[] { (0, false, false), (1, true, true), (1, false, false), (2, true, true), (2, true, true) }, skipped);
        Assert.Equal("2", StateDict.Load(checkpoint).Metadata["step"]);
    }

    [Fact]
    public void InitialisesTheStudentAndTeacherFromReleasedCheckpoints()
    {
        string run = WriteRun(), dir = Path.Combine(_dir, "ft");
        string vision = Path.Combine(Paths.Tiny, "vision.npz"), text = Path.Combine(Paths.Tiny, "text.npz");
        Train(null, "--config", run, "--out", dir, "--init-vision", vision, "--init-text", text, "--until", "0");
        var state = StateDict.Load(Path.Combine(dir, TrainCommand.CheckpointFile));
        var v = StateDict.Load(vision);
        var t = StateDict.Load(text);
        foreach (var key in v.Keys)
        {
            Assert.Equal(v[key].Floats, state["student.vision." + key].Floats);
            Assert.Equal(v[key].Floats, state["teacher.vision." + key].Floats);
        }
        foreach (var key in t.Keys) Assert.Equal(t[key].Floats, state["student.text." + key].Floats);
        Assert.Equal(MathF.Log(1f / t["temperature"].Floats[0]), state["log_inv_tau_web"].Floats[0]);
        Assert.Equal(MathF.Log(1f / 0.07f), state["log_inv_tau_synthetic"].Floats[0]);
        Assert.Equal(Path.GetFullPath(vision), JsonNode.Parse(File.ReadAllText(Path.Combine(dir, TrainCommand.ResolvedFile)))!["init_vision"]!.GetValue<string>());

        var e = Assert.Throws<TipsException>(() => Train(null, "--config", run, "--out", Path.Combine(_dir, "ft2"), "--init-vision", text));
        Assert.Contains("cls_token", e.Message);
        Assert.Throws<UsageException>(() => Train(null, "--config", run, "--out", dir, "--resume", "--init-text", text));
        e = Assert.Throws<TipsException>(() => Train(null, "--config", run, "--out", dir));
        Assert.Contains("already holds a run", e.Message);
    }

    [Fact]
    public void BadArgumentsAndConfigsFailClearly()
    {
        string run = WriteRun();
        Assert.Throws<UsageException>(() => Program.Run(["train", "--config", run], TextWriter.Null));
        Assert.Throws<UsageException>(() => Program.Run(["train", "--config", run, "--out", _dir, "--bogus"], TextWriter.Null));
        Assert.Throws<UsageException>(() => Program.Run(["train", "--config", run, "--out", _dir, "--until", "-1"], TextWriter.Null));
        var e = Assert.Throws<TipsException>(() => Program.Run(["train", "--config", run, "--out", _dir, "--set", "mask_ratio=2"], TextWriter.Null));
        Assert.Contains("mask_ratio", e.Message);
        e = Assert.Throws<TipsException>(() => Program.Run(["train", "--config", run, "--out", _dir, "--set", "sequential=1"], TextWriter.Null));
        Assert.Contains("sequential", e.Message);
        e = Assert.Throws<TipsException>(() => Program.Run(["train", "--config", run, "--out", _dir, "--set", "no_such=1"], TextWriter.Null));
        Assert.Contains("no_such", e.Message);
        e = Assert.Throws<TipsException>(() => Program.Run(["train", "--config", run, "--out", Path.Combine(_dir, "fresh"), "--resume"], TextWriter.Null));
        Assert.Contains("no checkpoint", e.Message);
        e = Assert.Throws<TipsException>(() => Program.Run(["train", "--config", WriteRun("""{"captions": "pictures"}"""), "--out", _dir], TextWriter.Null));
        Assert.Contains("captions", e.Message);
        e = Assert.Throws<TipsException>(() => Program.Run(["train", "--config", WriteRun(extra: """ "max_bad_steps": 0, """), "--out", _dir], TextWriter.Null));
        Assert.Contains("max_bad_steps", e.Message);
    }
}
