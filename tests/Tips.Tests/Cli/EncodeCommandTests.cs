using Tips.Model.Checkpoints;

namespace Tips.Tests.Cli;

public class EncodeCommandTests
{
    private static readonly StateDict Expected = StateDict.LoadNpz(CliRun.Tiny("expected.npz"));

    [Theory]
    [InlineData("56x56", null)]
    [InlineData("42x70", "42x70")]
    public void EncodeImageMatchesFixture(string image, string? size)
    {
        using var run = new CliRun();
        var output = run.File("out.npz");
        string[] args = ["encode-image", "--checkpoint", CliRun.Tiny("vision.npz"), "--config", CliRun.Tiny("config.json"),
            "--image", CliRun.Image(image), "--device", "cpu", "--out", output];
        CliRun.Ok(size is null ? args : [.. args, "--size", size]);
        var state = StateDict.LoadNpz(output);
        foreach (var key in new[] { "cls1", "cls2", "patch_tokens" })
        {
            Assert.Equal(Expected[$"{image}/{key}"].Shape, state[key].Shape);
            CliRun.RelL2(Expected[$"{image}/{key}"].Floats, state[key].Floats, 1e-4, key);
        }
        Assert.Empty(Directory.GetFiles(run.Dir, "*.tmp-*"));
    }

    [Fact]
    public void EncodeImageBatchResizesToNativeSize()
    {
        using var run = new CliRun();
        var output = run.File("out.npz");
        CliRun.Ok("encode-image", "--checkpoint", CliRun.Tiny("vision.npz"), "--config", CliRun.Tiny("config.json"),
            "--image", CliRun.Image("42x70"), "--image", CliRun.Image("56x56"), "--device", "cpu", "--out", output);
        var state = StateDict.LoadNpz(output);
        Assert.Equal([2, 4, 4, 64], state["patch_tokens"].Shape);
        Assert.Equal([2, 64], state["cls1"].Shape);
        // Row 1 is the native-size image, used as is: it must equal the fixture; row 0 was squashed to 56x56.
        CliRun.RelL2(Expected["56x56/cls1"].Floats, state["cls1"].Floats[64..], 1e-4, "cls1 row 1");
        CliRun.RelL2(Expected["56x56/cls2"].Floats, state["cls2"].Floats[64..], 1e-4, "cls2 row 1");
        double diff = state["cls1"].Floats[..64].Zip(Expected["56x56/cls1"].Floats).Sum(p => Math.Abs(p.First - p.Second));
        Assert.True(diff > 1e-3, "a different image must give a different cls1");
    }

    [Fact]
    public void EncodeTextMatchesFixture()
    {
        using var run = new CliRun();
        var output = run.File("texts.npz");
        CliRun.Ok("encode-text", "--checkpoint", CliRun.Tiny("text.npz"), "--tokenizer", CliRun.Tiny("tokenizer.model"),
            "--config", CliRun.Tiny("config.json"), "--texts-file", CliRun.Tiny("texts.txt"), "--device", "cpu", "--out", output);
        var state = StateDict.LoadNpz(output);
        Assert.Equal(DType.I32, state["ids"].DType);
        Assert.Equal(Expected["text/ids"].Shape, state["ids"].Shape);
        Assert.Equal(Expected["text/ids"].Ints, state["ids"].Ints);
        Assert.Equal(Expected["text/embeddings"].Shape, state["embeddings"].Shape);
        CliRun.RelL2(Expected["text/embeddings"].Floats, state["embeddings"].Floats, 1e-4, "embeddings");
    }

    [Fact]
    public void EncodeTextFlagsComeBeforeFileLines()
    {
        using var run = new CliRun();
        var output = run.File("texts.npz");
        var lines = File.ReadAllLines(CliRun.Tiny("texts.txt"));
        CliRun.Ok("encode-text", "--checkpoint", CliRun.Tiny("text.npz"), "--tokenizer", CliRun.Tiny("tokenizer.model"),
            "--config", CliRun.Tiny("config.json"), "--text", lines[3], "--text", "", "--device", "cpu", "--out", output);
        var state = StateDict.LoadNpz(output);
        Assert.Equal([2, 64], state["ids"].Shape);
        Assert.Equal(Expected["text/ids"].Ints.AsSpan(3 * 64, 64).ToArray(), state["ids"].Ints[..64]);
        CliRun.RelL2(Expected["text/embeddings"].Floats.AsSpan(3 * 64, 64).ToArray(), state["embeddings"].Floats[..64], 1e-4, "text 3");
        Assert.All(state["embeddings"].Floats[64..], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void ClassifyProbabilitiesMatchFixture()
    {
        using var run = new CliRun();
        var probs = run.File("probs.npz");
        var stdout = CliRun.Ok(["classify", .. CliRun.Both, "--image", CliRun.Image("56x56"), "--labels-file", CliRun.Tiny("texts.txt"),
            "--prompt", "{}", "--top", "2", "--out", probs]);
        var expected = Expected["zeroshot/cls1_vs_texts"].Floats;
        CliRun.RelL2(expected, CliRun.Floats(probs, "probs"), 1e-4, "probabilities");
        // The table lists the top 2 labels, best first.
        var labels = File.ReadAllLines(CliRun.Tiny("texts.txt"));
        var order = Enumerable.Range(0, expected.Length).OrderByDescending(i => expected[i]).ToArray();
        var rows = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, rows.Length);
        Assert.EndsWith("  " + labels[order[0]], rows[1]);
        Assert.EndsWith("  " + labels[order[1]], rows[2]);
    }
}
