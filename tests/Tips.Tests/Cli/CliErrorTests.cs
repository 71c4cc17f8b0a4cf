namespace Tips.Tests.Cli;

/// <summary>Exit codes (2 usage, 1 failure) with exactly one line on stderr, and no output left behind.</summary>
public class CliErrorTests
{
    private static readonly string Img = CliRun.Image("56x56");

    public static TheoryData<string, string[]> UsageErrors() => new()
    {
        { "unknown command", ["frobnicate"] },
        { "unknown option", ["encode-image", "--checkpoint", "v.npz", "--colour", "red"] },
        { "missing --out", ["encode-image", "--checkpoint", CliRun.Tiny("vision.npz"), "--image", Img] },
        { "missing value", ["encode-image", "--out"] },
        { "positional argument", ["pca", "picture.png"] },
        { "repeated single option", ["pca", "--out", "a.png", "--out", "b.png"] },
        { "bad size", ["encode-image", "--checkpoint", CliRun.Tiny("vision.npz"), "--image", Img, "--out", "x.npz", "--size", "56by56"] },
        { "zero size", ["encode-image", "--checkpoint", CliRun.Tiny("vision.npz"), "--image", Img, "--out", "x.npz", "--size", "0x56"] },
        { "bad device", ["encode-image", "--checkpoint", CliRun.Tiny("vision.npz"), "--config", CliRun.Tiny("config.json"), "--image", Img, "--out", "x.npz", "--device", "tpu"] },
        { "empty label list", ["classify", .. CliRun.Both, "--image", Img, "--labels", ""] },
        { "empty label", ["classify", .. CliRun.Both, "--image", Img, "--labels", "cat,,dog"] },
        { "prompt without slot", ["classify", .. CliRun.Both, "--image", Img, "--labels", "cat", "--prompt", "a photo"] },
        { "top zero", ["classify", .. CliRun.Both, "--image", Img, "--labels", "cat", "--top", "0"] },
        { "bad cls", ["similarity", .. CliRun.Both, "--image", Img, "--query", "cat", "--cls", "3"] },
        { "no texts", ["encode-text", "--checkpoint", CliRun.Tiny("text.npz"), "--tokenizer", CliRun.Tiny("tokenizer.model"), "--out", "x.npz"] },
        { "retrieve both ways", ["retrieve", .. CliRun.Both, "--image", Img, "--query", "cat"] },
        { "variant and config", ["pca", .. CliRun.Vision, "--variant", "B", "--image", Img, "--out", "x.png"] },
        { "bad batch", ["embed", .. CliRun.Vision, "--images", ".", "--out", "x.npz", "--batch", "-1"] },
        { "size not a patch multiple", ["encode-image", "--checkpoint", CliRun.Tiny("vision.npz"), "--config", CliRun.Tiny("config.json"), "--image", Img, "--out", "x.npz", "--size", "50x56", "--device", "cpu"] },
        { "segment size below a patch", ["segment", .. CliRun.Both, "--image", Img, "--labels", "a", "--out", "x.png", "--size", "13"] },
        { "bad colour", ["pca", .. CliRun.Vision, "--image", Img, "--out", "x.png", "--color", "rainbow"] },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public void UsageErrorsExitWithTwo(string what, string[] args)
    {
        var (code, stdout, stderr) = CliRun.Run(args);
        Assert.True(code == 2, $"{what}: exit {code}, stderr {stderr}");
        OneLine(stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public void FailuresExitWithOne()
    {
        using var run = new CliRun();
        var bad = run.File("bad.png");
        File.WriteAllText(bad, "not a png");
        var npz = run.File("broken.npz");
        File.WriteAllText(npz, "not a zip");
        string[] encode(string checkpoint, string image, string output, params string[] more) =>
            ["encode-image", "--checkpoint", checkpoint, "--image", image, "--out", output, "--device", "cpu", .. more];
        var cases = new (string What, string[] Args, string Says)[]
        {
            ("missing checkpoint", encode(run.File("none.npz"), Img, run.File("o.npz"), "--variant", "B"), "no such file"),
            ("checkpoint is a directory", encode(run.Dir, Img, run.File("o.npz"), "--variant", "B"), "is a directory"),
            ("broken checkpoint", encode(npz, Img, run.File("o.npz"), "--variant", "B"), "broken.npz"),
            ("missing image", encode(CliRun.Tiny("vision.npz"), run.File("none.png"), run.File("o.npz"), "--config", CliRun.Tiny("config.json")), "no such file"),
            ("unreadable image", encode(CliRun.Tiny("vision.npz"), bad, run.File("o.npz"), "--config", CliRun.Tiny("config.json")), "not an image"),
            ("output folder missing", encode(CliRun.Tiny("vision.npz"), Img, run.File("no/o.npz"), "--config", CliRun.Tiny("config.json")), "does not exist"),
            ("output is a directory", encode(CliRun.Tiny("vision.npz"), Img, run.Dir, "--config", CliRun.Tiny("config.json")), "is a directory"),
            ("wrong variant", encode(CliRun.Tiny("vision.npz"), Img, run.File("o.npz"), "--variant", "B"), "does not match variant B"),
            ("unknown variant", encode(CliRun.Tiny("vision.npz"), Img, run.File("o.npz"), "--variant", "Z/9"), "unknown TIPS variant"),
            ("heads unknown", encode(CliRun.Tiny("vision.npz"), Img, run.File("o.npz")), "number of heads"),
            ("text checkpoint as vision", encode(CliRun.Tiny("text.npz"), Img, run.File("o.npz"), "--config", CliRun.Tiny("config.json")), "text.npz"),
            ("tokenizer missing", ["classify", .. CliRun.Vision, "--text", CliRun.Tiny("text.npz"), "--tokenizer", run.File("m.model"), "--image", Img, "--labels", "a"], "no such file"),
            ("images is a file", ["embed", .. CliRun.Vision, "--images", Img, "--out", run.File("e.npz")], "is a file"),
            ("labels file missing", ["segment", .. CliRun.Both, "--image", Img, "--labels-file", run.File("l.txt"), "--out", run.File("s.png")], "no such file"),
        };
        foreach (var (what, args, says) in cases)
        {
            var (code, stdout, stderr) = CliRun.Run(args);
            Assert.True(code == 1, $"{what}: exit {code}, stderr {stderr}");
            OneLine(stderr);
            Assert.Contains(says, stderr);
        }
        Assert.Equal(["bad.png", "broken.npz"], Directory.GetFileSystemEntries(run.Dir).Select(f => Path.GetFileName(f)!).Order().ToArray());
    }

    [Theory]
    [InlineData("encode-image")]
    [InlineData("encode-text")]
    [InlineData("classify")]
    [InlineData("similarity")]
    [InlineData("retrieve")]
    [InlineData("pca")]
    [InlineData("segment")]
    [InlineData("embed")]
    public void EveryCommandHasHelpWithExamples(string command)
    {
        var (code, stdout, stderr) = CliRun.Run(command, "--help");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.StartsWith($"usage: tips {command}", stdout);
        Assert.Contains("example", stdout);
        Assert.EndsWith("\n", stdout);
        Assert.False(stdout.EndsWith("\n\n", StringComparison.Ordinal), "help ends with an empty line");
        Assert.Contains($"  {command} ", CliRun.Ok("--help"));
    }

    private static void OneLine(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got: {stderr}");
        Assert.StartsWith("tips: ", lines[0]);
        Assert.DoesNotContain(" at Tips.", stderr);
    }
}
