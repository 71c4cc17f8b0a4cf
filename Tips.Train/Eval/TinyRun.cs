using System.Diagnostics;
using System.Globalization;
using Tips.Kernels;
using Tips.Model;
using Tips.Model.Config;
using Tips.Model.Text;
using Tips.Train.Data;
using Tips.Train.Training;

namespace Tips.Train.Eval;

/// <summary>Data and size settings of a tiny training run on generated scenes.</summary>
public sealed record TinyRunOptions
{
    /// <summary>1500: zero-shot segmentation and classification kept rising from 1000 to 1800 steps (0.15 -> 0.19 mIoU,
    /// 0.52 -> 0.60), and 1500 steps took 3.6 minutes on the quiet 2-core machine.</summary>
    public int Steps { get; init; } = 1500;
    public int BatchSize { get; init; } = 32;
    /// <summary>Scene and global-crop size; a multiple of the patch size.</summary>
    public int ImageSize { get; init; } = 48;
    public int LocalSize { get; init; } = 24;
    public int LocalCrops { get; init; } = 2;
    public int Width { get; init; } = 64;
    public int Depth { get; init; } = 2;
    public int PatchSize { get; init; } = 6;
    public long TrainScenes { get; init; } = 100_000;
    /// <summary>The scenes' <see cref="SceneGenerator.TypicalColourShare"/>.</summary>
    public double TypicalColourShare { get; init; } = SceneGenerator.DefaultTypicalColourShare;
    public ulong DataSeed { get; init; }
    /// <summary>Smallest area share of the global crop. Above DINOv2's 0.32: the synthetic caption describes the whole
    /// scene (every object and its position), which a small crop would contradict.</summary>
    public double GlobalMinScale { get; init; } = 0.5;
    /// <summary>Training stops after this long even if steps remain (the schedules are then cut short).</summary>
    public TimeSpan? TimeLimit { get; init; }
}

/// <summary>
/// Trains a tiny TIPS on generated scenes with the project's trainer and writes what the evaluation loads:
/// DIR/config.json, tokenizer.model (<see cref="SceneTokenizer"/>), vision.safetensors and text.safetensors.
/// </summary>
public static class TinyRun
{
    public const string ConfigFile = "config.json", TokenizerFile = "tokenizer.model", VisionFile = "vision.safetensors", TextFile = "text.safetensors";

    /// <summary>The tiny model: max_len 64 because the tokenizer pads to the release's 64.</summary>
    public static TipsConfig Config(TinyRunOptions run, int vocab) => new(
        new VisionConfig(run.Width, run.Depth, 2, 2 * run.Width, FfnKind.Mlp, run.PatchSize, run.ImageSize / run.PatchSize),
        new TextConfig(run.Width, run.Depth, 2, 2 * run.Width, vocab, TipsTokenizer.DefaultMaxLength));

    /// <summary>The full recipe with head sizes and a learning rate fit for a model this small.</summary>
    public static TrainOptions Options(int steps, int seed) => new()
    {
        HeadHidden = 128,
        HeadBottleneck = 32,
        Prototypes = 256,
        TotalSteps = steps,
        WarmupSteps = Math.Max(1, steps / 10),
        LearningRate = 5e-3f,
        MinLearningRate = 1e-4f,
        WeightDecayStart = 0.05f,
        WeightDecayEnd = 0.05f,
        FreezeLastLayerSteps = steps / 20,
        Seed = seed,
    };

    /// <summary>Trains and writes the model files into <paramref name="dir"/>; progress goes to <paramref name="progress"/>. Returns the steps done.</summary>
    public static int Train(IBackend backend, TinyRunOptions run, TrainOptions options, string dir, TextWriter progress)
    {
        var (tokenizer, config) = WriteTokenizerAndConfig(run, dir);
        using var trainer = new TipsTrainer(backend, config, options with { TotalSteps = run.Steps });
        var source = new SceneDataset(new SceneGenerator(run.ImageSize, run.ImageSize, typicalColourShare: run.TypicalColourShare), Split.Train, run.TrainScenes);
        var defaults = AugmentOptions.Default(run.ImageSize, run.LocalSize, run.LocalCrops);
        var augment = defaults with { Global = defaults.Global with { MinScale = run.GlobalMinScale } };
        using var loader = new BatchLoader(source, new LoaderOptions(run.BatchSize, augment, run.DataSeed));
        var clock = Stopwatch.StartNew();
        StepReport? last = null;
        while (trainer.Step < run.Steps && !(clock.Elapsed > run.TimeLimit))
        {
            last = trainer.TrainStep([TrainCommand.ToTrainBatch(loader.Next(), tokenizer)]);
            Draw(progress, trainer.Step, run.Steps, clock.Elapsed, last);
        }
        progress.WriteLine();
        if (trainer.Step < run.Steps)
            progress.WriteLine($"time limit reached after {trainer.Step} of {run.Steps} steps (schedules cut short)");
        TrainCommand.SaveTowers(trainer, dir);
        return trainer.Step;
    }

    /// <summary>Writes the model files of the run's initial weights (what <see cref="Train"/> starts from with the same
    /// options) into <paramref name="dir"/>: the baseline that shows what training added.</summary>
    public static void WriteUntrained(IBackend backend, TinyRunOptions run, TrainOptions options, string dir)
    {
        var (_, config) = WriteTokenizerAndConfig(run, dir);
        using var trainer = new TipsTrainer(backend, config, options with { TotalSteps = run.Steps });
        TrainCommand.SaveTowers(trainer, dir);
    }

    /// <summary>The model files that <see cref="Train"/> or <see cref="WriteUntrained"/> wrote into <paramref name="dir"/>.</summary>
    public static TipsPipeline Load(string dir, string device) =>
        TipsPipeline.Load(Path.Combine(dir, VisionFile), Path.Combine(dir, TextFile), Path.Combine(dir, TokenizerFile),
            configPath: Path.Combine(dir, ConfigFile), device: device);

    private static (TipsTokenizer, TipsConfig) WriteTokenizerAndConfig(TinyRunOptions run, string dir)
    {
        if (run.ImageSize % run.PatchSize != 0 || run.LocalSize % run.PatchSize != 0)
            throw new TipsException($"image size {run.ImageSize} and local size {run.LocalSize} must be multiples of the patch size {run.PatchSize}");
        Directory.CreateDirectory(dir);
        string tokenizerPath = Path.Combine(dir, TokenizerFile);
        File.WriteAllBytes(tokenizerPath, SceneTokenizer.Build());
        var tokenizer = TipsTokenizer.Load(tokenizerPath);
        var config = Config(run, tokenizer.Model.VocabSize);
        config.Save(Path.Combine(dir, ConfigFile));
        return (tokenizer, config);
    }

    private static void Draw(TextWriter w, int step, int total, TimeSpan elapsed, StepReport r)
    {
        const int cells = 30;
        int filled = (int)((long)step * cells / total);
        var eta = TimeSpan.FromSeconds(elapsed.TotalSeconds / step * (total - step));
        w.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r[{new string('#', filled)}{new string('.', cells - filled)}] step {step}/{total}  loss {r.Loss,7:F3} (clip web {r.ClipWeb:F2}, synthetic {r.ClipSynthetic:F2})  {elapsed:mm\\:ss} elapsed, eta {eta:mm\\:ss}"));
        w.Flush();
    }
}
