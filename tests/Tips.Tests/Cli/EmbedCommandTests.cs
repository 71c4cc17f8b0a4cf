using Tips.Model.Checkpoints;
using Tips.Train.Cli;

namespace Tips.Tests.Cli;

public class EmbedCommandTests
{
    private static readonly StateDict Expected = StateDict.LoadNpz(CliRun.Tiny("expected.npz"));

    private static string Folder(CliRun run)
    {
        var dir = run.File("images");
        Directory.CreateDirectory(dir);
        File.Copy(CliRun.Image("56x56"), Path.Combine(dir, "b.png"));
        File.Copy(CliRun.Image("42x70"), Path.Combine(dir, "a.png"));
        File.Copy(CliRun.Image("56x56"), Path.Combine(dir, "d.png"));
        File.Copy(CliRun.Tiny("texts.txt"), Path.Combine(dir, "c.png"));
        File.WriteAllText(Path.Combine(dir, ".hidden"), "x");
        return dir;
    }

    private static string[] Args(string dir, string output) =>
        ["embed", .. CliRun.Vision, "--images", dir, "--out", output, "--batch", "2"];

    [Fact]
    public void EmbedsSortedFilesAndSkipsUnreadable()
    {
        using var run = new CliRun();
        var output = run.File("emb.npz");
        var (code, stdout, stderr) = CliRun.Run(Args(Folder(run), output));
        Assert.True(code == 0, stderr);
        Assert.Contains("embedded 3 new, 0 resumed, 1 skipped", stdout);
        Assert.Contains("skipped: c.png", stdout);
        Assert.Contains("skipping c.png", stderr);
        Assert.Contains("4/4 files", stderr);
        Assert.Equal(["a.png", "b.png", "d.png"], File.ReadAllLines(output + ".files.txt"));
        var cls1 = StateDict.LoadNpz(output)["cls1"];
        Assert.Equal([3, 64], cls1.Shape);
        CliRun.RelL2(Expected["56x56/cls1"].Floats, cls1.Floats[64..128], 1e-4, "b.png");
        CliRun.RelL2(Expected["56x56/cls1"].Floats, cls1.Floats[128..], 1e-4, "d.png");
        CliRun.RelL2(Expected["56x56/cls2"].Floats, StateDict.LoadNpz(output)["cls2"].Floats[64..128], 1e-4, "b.png cls2");
        Assert.False(Directory.Exists(EmbedSidecar.PathFor(output)));
    }

    [Fact]
    public void ResumesFromSidecarWithoutRedoingFinishedFiles()
    {
        using var run = new CliRun();
        var dir = Folder(run);
        var output = run.File("emb.npz");
        CliRun.Ok(Args(dir, output));
        var full1 = CliRun.Floats(output, "cls1");
        var full2 = CliRun.Floats(output, "cls2");

        // An interrupted run: the sidecar holds d.png and a.png only, with marker values a re-encode cannot produce.
        File.Delete(output);
        var sidecar = EmbedSidecar.Open(EmbedSidecar.PathFor(output), EmbedCommand.Identity(CliRun.Tiny("vision.npz"), 56, 56), 64);
        sidecar.Add("d.png", Enumerable.Repeat(7f, 64).ToArray(), Enumerable.Repeat(-7f, 64).ToArray());
        sidecar.Save();
        sidecar.Add("a.png", full1[..64], full2[..64]);
        sidecar.Save();
        Assert.Equal(2, Directory.GetFiles(EmbedSidecar.PathFor(output), "*.npz").Length);
        // A batch file whose write never finished (a leftover temporary) is ignored, and so is the half-removed
        // sidecar of a run killed during its clean-up (it was renamed away before its removal began).
        File.WriteAllText(Path.Combine(EmbedSidecar.PathFor(output), "000002.npz.tmp-0123abcd"), "torn");
        string doomed = EmbedSidecar.PathFor(output) + ".deleting";
        Directory.CreateDirectory(doomed);
        File.WriteAllText(Path.Combine(doomed, "000000.npz"), "half removed");

        var stdout = CliRun.Ok(Args(dir, output));
        Assert.Contains("embedded 1 new, 2 resumed, 1 skipped", stdout);
        var cls1 = CliRun.Floats(output, "cls1");
        Assert.Equal(full1[..64], cls1[..64]);
        CliRun.RelL2(full1[64..128], cls1[64..128], 1e-6, "b.png (encoded again)");
        Assert.All(cls1[128..], v => Assert.Equal(7f, v));
        Assert.All(CliRun.Floats(output, "cls2")[128..], v => Assert.Equal(-7f, v));
        Assert.False(Directory.Exists(EmbedSidecar.PathFor(output)));
        Assert.False(Directory.Exists(doomed));
    }

    [Fact]
    public void SidecarFromAnotherModelIsAnError()
    {
        using var run = new CliRun();
        var dir = Folder(run);
        var output = run.File("emb.npz");
        var sidecar = EmbedSidecar.Open(EmbedSidecar.PathFor(output), "other_vision.npz (5 bytes) at 448x448", 64);
        sidecar.Add("a.png", new float[64], new float[64]);
        sidecar.Save();
        var (code, _, stderr) = CliRun.Run(Args(dir, output));
        Assert.Equal(1, code);
        Assert.Contains("another model", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void RetrieveRanksTheFolderForAQuery()
    {
        using var run = new CliRun();
        var dir = Folder(run);
        var (code, stdout, stderr) = CliRun.Run(["retrieve", .. CliRun.Both, "--images", dir, "--query", "a photo of a cat", "--top", "2"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("skipping c.png", stderr);
        var rows = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, rows.Length);
        Assert.StartsWith("   1", rows[0]);
        // b.png and d.png are the same image: equal scores, listed in name order.
        var names = rows.Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]).ToArray();
        var scores = rows.Select(r => double.Parse(r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        using var tips = Tips.Model.TipsPipeline.Load(CliRun.Tiny("vision.npz"), CliRun.Tiny("text.npz"), CliRun.Tiny("tokenizer.model"),
            configPath: CliRun.Tiny("config.json"), device: "cpu");
        var text = tips.EncodeText(["a photo of a cat"]).Embeddings;
        double Score(string file) => Tips.Model.Embeddings.Cosine(tips.EncodeImage(Path.Combine(dir, file)).Cls1, text, tips.Width)[0][0];
        var expected = new[] { ("a.png", Score("a.png")), ("b.png", Score("b.png")) }.OrderByDescending(e => e.Item2).ToArray();
        Assert.Equal(expected[0].Item1, names[0]);
        Assert.Equal(expected[0].Item2, scores[0], 4);
        // Second: b.png after a.png, or its copy d.png (a tie, names in order) after b.png.
        Assert.Equal(expected[0].Item1 == "a.png" ? "b.png" : "d.png", names[1]);
        Assert.Equal(expected[0].Item1 == "a.png" ? expected[1].Item2 : expected[0].Item2, scores[1], 4);
    }
}
