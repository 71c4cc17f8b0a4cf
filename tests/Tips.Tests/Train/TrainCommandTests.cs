using Tips.Model;
using Tips.Model.Config;
using Tips.Model.Checkpoints;
using Tips.Train;

namespace Tips.Tests.Train;

/// <summary><c>tips train</c> on generated scenes with the tiny fixture's model shape and tokenizer.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tips-train-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteRun(string train = """{"total_steps": 4, "head_hidden": 32, "head_bottleneck": 16, "prototypes": 32, "warmup_steps": 1, "freeze_last_layer_steps": 1}""")
    {
        string path = Path.Combine(_dir, "run.json");
        File.WriteAllText(path, $$$"""
            {"model": "{{{Path.Combine(Paths.Tiny, "config.json")}}}", "tokenizer": "{{{Path.Combine(Paths.Tiny, "tokenizer.model")}}}",
             "data": {"scenes": {"count": 50, "size": 64}}, "batch_size": 2, "global_size": 56, "local_size": 28,
             "local_crops": 1, "checkpoint_every": 2, "train": {{{train}}}}
            """);
        return path;
    }

    private static string[] Run(params string[] args)
    {
        var stdout = new StringWriter();
        Assert.Equal(0, Program.Run(args, stdout));
        return stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void ResumeRepeatsTheUninterruptedRunBitExactly()
    {
        string run = WriteRun(), a = Path.Combine(_dir, "a"), b = Path.Combine(_dir, "b");
        var straight = Run("train", "--config", run, "--out", a, "--set", "mask_kind=block");
        Assert.Equal(4, straight.Length);
        Assert.All(straight, l => Assert.DoesNotContain("SKIPPED", l));

        var first = Run("train", "--config", run, "--out", b, "--set", "mask_kind=block", "--until", "2");
        var rest = Run("train", "--config", run, "--out", b, "--set", "mask_kind=block", "--resume");
        Assert.Equal(straight, first.Concat(rest));

        var va = StateDict.Load(Path.Combine(a, "vision.safetensors"));
        var vb = StateDict.Load(Path.Combine(b, "vision.safetensors"));
        foreach (var key in va.Keys) Assert.Equal(va[key].Floats, vb[key].Floats);
        // The exported towers load as release checkpoints of the configured shape.
        var config = TipsConfig.Load(Path.Combine(Paths.Tiny, "config.json"));
        using var backend = Tips.Kernels.Backends.Create("cpu");
        using var model = Tips.Model.Towers.TipsModel.Load(backend, Path.Combine(a, "vision.safetensors"), Path.Combine(a, "text.safetensors"), config);
        Assert.InRange(model.Temperature, 0.01f, 0.2f);
    }

    [Fact]
    public void BadArgumentsAndConfigsFailClearly()
    {
        string run = WriteRun();
        Assert.Throws<UsageException>(() => Program.Run(["train", "--config", run], TextWriter.Null));
        Assert.Throws<UsageException>(() => Program.Run(["train", "--config", run, "--out", _dir, "--bogus"], TextWriter.Null));
        var e = Assert.Throws<TipsException>(() => Program.Run(["train", "--config", run, "--out", _dir, "--set", "mask_ratio=2"], TextWriter.Null));
        Assert.Contains("mask_ratio", e.Message);
        e = Assert.Throws<TipsException>(() => Program.Run(["train", "--config", run, "--out", _dir, "--set", "no_such=1"], TextWriter.Null));
        Assert.Contains("no_such", e.Message);
        e = Assert.Throws<TipsException>(() => Program.Run(["train", "--config", run, "--out", Path.Combine(_dir, "fresh"), "--resume"], TextWriter.Null));
        Assert.Contains("no checkpoint", e.Message);
        e = Assert.Throws<TipsException>(() => Program.Run(["train", "--config", WriteRun("""{"captions": "pictures"}"""), "--out", _dir], TextWriter.Null));
        Assert.Contains("captions", e.Message);
    }
}
