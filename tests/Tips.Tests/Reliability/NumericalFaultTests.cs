using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Tips.Kernels;
using Tips.Model.Checkpoints;
using Tips.Tests.Cli;
using Tips.Tests.Train;
using Tips.Train.Training;

namespace Tips.Tests.Reliability;

/// <summary>
/// NaN and infinity injected into activations, gradients and inputs: training skips the step and reports it with
/// parameters, AdamW moments and centers untouched; inference refuses to return or write non-finite outputs and
/// names the input.
/// </summary>
public sealed class NumericalFaultTests : IDisposable
{
    private readonly FaultBackend _backend = new(Backends.Create("cpu"));

    public void Dispose() => _backend.Dispose();

    private static Dictionary<string, float[]> State(TipsTrainer t) =>
        t.TrainableParameters().Concat(t.Optimizer.Moments())
            .Append(new("dino.center", t.Dino.Center)).Append(new("ibot.center", t.Ibot.Center))
            .ToDictionary(p => p.Key, p => p.Value.ToHost());

    public static TheoryData<string, string, int, float> Faults() => new()
    {
        // Activations (forward outputs) of the student, the teacher and the text tower.
        { "LayerNormForward", "y", 0, float.NaN },
        { "LayerNormForward", "y", 5, float.PositiveInfinity },
        { "AttentionForward", "output", 1, float.NaN },
        { "ActivationForward", "y", 2, float.NegativeInfinity },
        { "Gemm", "c", 0, float.NaN },
        // Gradients (backward outputs): the loss stays finite, only the gradient norm is not.
        { "LayerNormBackward", "dgamma", 0, float.NaN },
        { "AttentionBackward", "dqkv", 0, float.PositiveInfinity },
        { "ScaledResidualBackward", "dresidual", 1, float.NaN },
        { "SoftCrossEntropyBackward", "dlogits", 0, float.NaN },
        { "EmbeddingBackward", "dtable", 0, float.PositiveInfinity },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void AFaultSkipsTheStepAndNeverPoisonsTheState(string op, string arg, int call, float value)
    {
        using var trainer = new TipsTrainer(_backend, TinyTraining.Config(), TinyTraining.Options);
        var rng = new Random(4);
        Assert.False(trainer.TrainStep([TinyTraining.RandomBatch(rng, 2, 1)]).Skipped);
        var before = State(trainer);

        _backend.Arm(op, arg, call, value);
        var report = trainer.TrainStep([TinyTraining.RandomBatch(rng, 2, 1)]);
        _backend.Disarm();
        Assert.Equal(1, _backend.Injected);
        Assert.True(report.Skipped, $"{op}.{arg} = {value}: step not skipped (loss {report.Loss}, grad norm {report.GradNorm})");
        Assert.Equal(1, trainer.Step);
        var after = State(trainer);
        foreach (var (name, values) in before)
            if (!name.EndsWith(".center") || !op.EndsWith("Backward"))
                Assert.True(values.SequenceEqual(after[name]), $"{op}.{arg}: {name} changed by a skipped step");
        // A fault after the loss (a gradient) may let the centers move, as documented, but never to non-finite values.
        Assert.All(after.Values, v => Assert.All(v, x => Assert.True(float.IsFinite(x))));

        var next = trainer.TrainStep([TinyTraining.RandomBatch(rng, 2, 1)]);
        Assert.False(next.Skipped);
        Assert.Equal(2, trainer.Step);
        Assert.All(State(trainer), p => Assert.True(p.Value.All(float.IsFinite), $"{p.Key} is not finite after recovery"));
    }

    [Theory]
    [InlineData("global", float.NaN)]
    [InlineData("global", float.NegativeInfinity)]
    [InlineData("local", float.PositiveInfinity)]
    public void NonFiniteInputPixelsSkipTheStep(string where, float value)
    {
        using var trainer = new TipsTrainer(_backend, TinyTraining.Config(), TinyTraining.Options);
        var before = State(trainer);
        var batch = TinyTraining.RandomBatch(new Random(8), 2, 1);
        (where == "global" ? batch.Global : batch.Local)[17] = value;
        var report = trainer.TrainStep([batch]);
        Assert.True(report.Skipped);
        Assert.Equal(0, trainer.Step);
        foreach (var (name, values) in State(trainer)) Assert.True(before[name].SequenceEqual(values), $"{name} changed");
    }

    /// <summary>A patch-embedding channel of 1e37 overflows to infinity on a white image and stays 0 on a black one.</summary>
    private static string OverflowingCheckpoint(CliRun run)
    {
        var state = StateDict.LoadNpz(CliRun.Tiny("vision.npz"));
        var broken = new StateDict("broken");
        foreach (var key in state.Keys)
        {
            var a = state[key];
            if (key == "patch_embed.proj.weight")
            {
                var w = (float[])a.Floats.Clone();
                int perChannel = w.Length / a.Shape[0];
                Array.Fill(w, 1e37f, 0, perChannel);
                a = NdArray.FromFloats(w, a.Shape);
            }
            broken.Add(key, a);
        }
        string path = run.File("overflowing.npz");
        broken.SaveNpz(path);
        return path;
    }

    private static string SaveImage(CliRun run, string name, byte level)
    {
        using var image = new Image<Rgb24>(56, 56, new Rgb24(level, level, level));
        string path = run.File(name);
        image.SaveAsPng(path);
        return path;
    }

    [Fact]
    public void InferenceRefusesNonFiniteOutputsAndNamesTheInput()
    {
        using var run = new CliRun();
        string checkpoint = OverflowingCheckpoint(run);
        string images = run.File("images");
        Directory.CreateDirectory(images);
        string black = SaveImage(run, Path.Combine("images", "a_black.png"), 0), white = SaveImage(run, Path.Combine("images", "b_white.png"), 255);
        string[] model = ["--config", CliRun.Tiny("config.json"), "--device", "cpu"];

        // The same checkpoint is fine on the black image: the refusal is about the output, not the file.
        CliRun.Ok(["encode-image", "--checkpoint", checkpoint, "--image", black, "--out", run.File("black.npz"), .. model]);
        Assert.All(CliRun.Floats(run.File("black.npz"), "cls1"), x => Assert.True(float.IsFinite(x)));

        var (code, stdout, stderr) = CliRun.Run(["encode-image", "--checkpoint", checkpoint, "--image", black, "--image", white, "--out", run.File("both.npz"), .. model]);
        Assert.Equal(1, code);
        Assert.Contains("b_white.png", stderr);
        Assert.Contains("NaN or infinite", stderr);
        Assert.DoesNotContain("a_black.png", stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(run.File("both.npz")));

        string output = run.File("embedded.npz");
        (code, _, stderr) = CliRun.Run(["embed", "--vision", checkpoint, "--images", images, "--out", output, "--batch", "1", .. model]);
        Assert.Equal(1, code);
        Assert.Contains("b_white.png", stderr);
        Assert.False(File.Exists(output));
        // What was kept for a resumption is the finished, finite black image only.
        var partial = Directory.GetFiles(output + ".partial", "*.npz").Select(StateDict.LoadNpz).ToArray();
        Assert.Equal([1, 64], Assert.Single(partial)["cls1"].Shape);
        Assert.All(partial[0]["cls1"].Floats.Concat(partial[0]["cls2"].Floats), x => Assert.True(float.IsFinite(x)));
    }
}
