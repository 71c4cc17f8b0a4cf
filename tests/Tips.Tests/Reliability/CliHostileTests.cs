using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Tips.Tests.Cli;

namespace Tips.Tests.Reliability;

/// <summary>
/// The CLI on hostile arguments beyond CliErrorTests: 1x1 and 20000x20000 images, outputs under a file, empty
/// label files and folders, a directory as tokenizer, the train command's files. One line on stderr, exit 1 for
/// failures and 2 for usage, never an internal error.
/// </summary>
public sealed class CliHostileTests : IDisposable
{
    private readonly CliRun _run = new();

    public void Dispose() => _run.Dispose();

    private static string Corpus(string name) => Path.Combine(Paths.RepoRoot, "tests", "Tips.Tests", "Reliability", "corpus", name);

    private static void Fails(int expected, string says, params string[] args)
    {
        var (code, stdout, stderr) = CliRun.Run(args);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(code == expected, $"{string.Join(' ', args)}: exit {code} (expected {expected}), stderr {stderr}");
        Assert.True(lines.Length == 1, $"expected one line, got: {stderr}");
        Assert.StartsWith("tips: ", lines[0]);
        Assert.DoesNotContain("internal error", stderr);
        Assert.Contains(says, stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public void OnePixelImageIsEncodedAndClassified()
    {
        string one = _run.File("one.png");
        using (var image = new Image<Rgb24>(1, 1, new Rgb24(200, 30, 90))) image.SaveAsPng(one);
        CliRun.Ok(["encode-image", "--checkpoint", CliRun.Tiny("vision.npz"), "--config", CliRun.Tiny("config.json"), "--device", "cpu",
            "--image", one, "--out", _run.File("one.npz")]);
        Assert.All(CliRun.Floats(_run.File("one.npz"), "cls1"), x => Assert.True(float.IsFinite(x)));
        Assert.Contains("cat", CliRun.Ok(["classify", .. CliRun.Both, "--image", one, "--labels", "cat,dog"]));
    }

    [Fact]
    public void HostileArgumentsFailWithOneLine()
    {
        string img = CliRun.Image("56x56"), fileAsDir = _run.File("plain.txt"), empty = _run.File("empty.txt"), emptyDir = _run.File("nothing");
        File.WriteAllText(fileAsDir, "x");
        File.WriteAllText(empty, "");
        Directory.CreateDirectory(emptyDir);
        string[] encode(string image, string output) =>
            ["encode-image", "--checkpoint", CliRun.Tiny("vision.npz"), "--config", CliRun.Tiny("config.json"), "--device", "cpu", "--image", image, "--out", output];

        Fails(1, "exceeds the limit", encode(Corpus("image_20000x20000_tiny_data.png"), _run.File("big.npz")));
        Fails(1, "plain.txt", encode(img, Path.Combine(fileAsDir, "o.npz")));
        Fails(1, "no files", ["embed", .. CliRun.Vision, "--images", emptyDir, "--out", _run.File("e.npz")]);
        Fails(1, "is a directory", ["classify", .. CliRun.Vision, "--text", CliRun.Tiny("text.npz"), "--tokenizer", emptyDir, "--image", img, "--labels", "a"]);
        Fails(1, "does not match", ["encode-image", "--checkpoint", CliRun.Tiny("text.npz"), "--variant", "B", "--device", "cpu", "--image", img, "--out", _run.File("t.npz")]);
        Fails(2, "label list is empty", ["classify", .. CliRun.Both, "--image", img, "--labels-file", empty]);
        Fails(2, "labels", ["classify", .. CliRun.Both, "--image", img, "--labels", ","]);
        Fails(1, "no such file", ["train", "--config", _run.File("none.json"), "--out", _run.File("run")]);
        Fails(1, "nothing", ["train", "--config", emptyDir, "--out", _run.File("run")]);
        File.WriteAllText(_run.File("run.json"), $$$"""{"model": "{{{CliRun.Tiny("config.json")}}}", "tokenizer": "{{{CliRun.Tiny("tokenizer.model")}}}", "data": {"scenes": {"count": 4, "size": 32}}, "batch_size": 2, "global_size": 28, "local_size": 14, "local_crops": 1, "checkpoint_every": 1}""");
        Fails(1, "plain.txt", ["train", "--config", _run.File("run.json"), "--out", fileAsDir]);
        Assert.Equal(["empty.txt", "nothing", "plain.txt", "run.json"], Directory.GetFileSystemEntries(_run.Dir).Select(p => Path.GetFileName(p)!).Order().ToArray());
    }
}
