using System.Diagnostics;
using Tips.Model.Checkpoints;

namespace Tips.Tests.Reliability;

/// <summary>
/// SIGKILL at seeded random moments (checkpoints every step, so many kills land inside a checkpoint write), then
/// resume: the run finishes, the checkpoint left by every kill loads, and on cpu the final weights equal those of
/// an uninterrupted run bit for bit. The same for <c>tips embed</c> over a folder.
/// </summary>
public sealed class KillResumeTests : IDisposable
{
    private const int Steps = 40, Images = 60;
    private readonly string _dir = Directory.CreateTempSubdirectory("tips-kill-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int Kills => Environment.GetEnvironmentVariable("TIPS_KILLS") is { Length: > 0 } s ? int.Parse(s) : 20;

    private string WriteRun()
    {
        string model = Path.Combine(_dir, "model.json");
        File.WriteAllText(model, """
            {"vision": {"width": 16, "depth": 1, "heads": 2, "mlp_dim": 32, "ffn": "mlp", "patch_size": 14, "pos_grid": 2},
             "text": {"width": 16, "depth": 1, "heads": 2, "mlp_dim": 32, "vocab_size": 1000, "max_len": 16}}
            """);
        string path = Path.Combine(_dir, "run.json");
        File.WriteAllText(path, $$$"""
            {"model": "model.json", "tokenizer": "{{{Path.Combine(Paths.Tiny, "tokenizer.model")}}}",
             "data": {"scenes": {"count": 40, "size": 32}}, "batch_size": 2, "global_size": 28, "local_size": 14,
             "local_crops": 1, "checkpoint_every": 1,
             "train": {"total_steps": {{{Steps}}}, "head_hidden": 16, "head_bottleneck": 8, "prototypes": 16, "warmup_steps": 2, "seed": 3}}
            """);
        return path;
    }

    [Fact]
    public void KilledTrainingResumesToTheUninterruptedWeights()
    {
        string run = WriteRun(), straight = Path.Combine(_dir, "straight"), killed = Path.Combine(_dir, "killed");
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, ChildTips.Run(TimeSpan.FromMinutes(3), "train", "--config", run, "--out", straight, "--device", "cpu"));
        double whole = clock.Elapsed.TotalSeconds;

        var rng = new Random(11);
        int kills = 0, attempts = 0;
        string checkpoint = Path.Combine(killed, "checkpoint.safetensors");
        bool finished = false;
        while (!finished)
        {
            Assert.True(++attempts < 4 * Kills + 20, $"no end after {attempts} attempts");
            string[] args = ["train", "--config", run, "--out", killed, "--device", "cpu", .. File.Exists(checkpoint) ? new[] { "--resume" } : []];
            if (kills >= Kills)
            {
                Assert.Equal(0, ChildTips.Run(TimeSpan.FromMinutes(3), args));
                break;
            }
            // Mostly just after the attempt's first checkpoint (one per step), so kills land in the next steps and their
            // checkpoint writes; sometimes during start-up and checkpoint loading.
            var saved = File.GetLastWriteTimeUtc(checkpoint);
            finished = rng.Next(6) == 0
                ? ChildTips.RunOrKill(TimeSpan.FromSeconds(whole * 0.3 * rng.NextDouble()), _ => true, args)
                : ChildTips.RunOrKill(TimeSpan.FromMilliseconds(rng.Next(120)), _ => File.GetLastWriteTimeUtc(checkpoint) != saved, args);
            if (finished) break;
            kills++;
            if (File.Exists(checkpoint)) StateDict.Load(checkpoint);
        }

        foreach (var file in new[] { "checkpoint.safetensors", "vision.safetensors", "text.safetensors" })
        {
            var a = StateDict.Load(Path.Combine(straight, file));
            var b = StateDict.Load(Path.Combine(killed, file));
            Assert.Equal(a.Keys, b.Keys);
            foreach (var key in a.Keys) Assert.True(SameValues(a[key], b[key]), $"{file}: {key} differs after {kills} kills");
        }
        // A kill inside a checkpoint write leaves its temporary sibling behind (never the real name half-written);
        // the next write of that file removes it.
        var leftovers = Directory.GetFiles(killed, "*.tmp-*");
        Console.WriteLine($"train: {kills} kills survived in {attempts} attempts; an uninterrupted run takes {whole:F1} s");
        Assert.True(leftovers.Length == 0, $"temporary files left: {string.Join(", ", leftovers.Select(Path.GetFileName))}");
        Assert.True(kills >= Kills / 2, $"only {kills} kills");
    }

    [Fact]
    public void KilledEmbedResumesWithoutRedoingOrLosingImages()
    {
        string images = Path.Combine(_dir, "images");
        Directory.CreateDirectory(images);
        var rng = new Random(5);
        for (int i = 0; i < Images; i++)
        {
            using var img = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(56, 56);
            for (int y = 0; y < 56; y++)
                for (int x = 0; x < 56; x++) img[x, y] = new((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
            SixLabors.ImageSharp.ImageExtensions.SaveAsPng(img, Path.Combine(images, $"img{i:D2}.png"));
        }
        string[] Args(string output) =>
            ["embed", "--vision", Path.Combine(Paths.Tiny, "vision.npz"), "--config", Path.Combine(Paths.Tiny, "config.json"),
             "--images", images, "--out", output, "--batch", "1", "--device", "cpu"];
        string straight = Path.Combine(_dir, "straight.npz"), killed = Path.Combine(_dir, "killed.npz");
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, ChildTips.Run(TimeSpan.FromMinutes(3), Args(straight)));
        double whole = clock.Elapsed.TotalSeconds;

        string sidecar = killed + ".partial";
        int Saved() => Directory.Exists(sidecar) ? Directory.GetFiles(sidecar, "*.npz").Length : 0;
        int kills = 0, done = 0;
        for (int attempt = 0; kills < Kills / 2 && attempt < 2 * Kills; attempt++)
        {
            // Once the first batch of the attempt is saved, so that kills land between and inside sidecar writes.
            int saved = Saved();
            if (ChildTips.RunOrKill(TimeSpan.FromMilliseconds(rng.Next(40)), _ => Saved() != saved, Args(killed))) break;
            kills++;
            // One image per batch file (--batch 1); every saved batch must load.
            // A run killed after its final output, while removing the partial results, has finished every image.
            int rows = Directory.Exists(sidecar) ? Directory.GetFiles(sidecar, "*.npz").Sum(f => StateDict.LoadNpz(f)["cls1"].Shape[0])
                : File.Exists(killed + ".files.txt") ? Images : 0;
            Assert.True(rows >= done, $"kill {kills}: the partial results shrank from {done} to {rows} images");
            done = rows;
            // The kill came after the run had written its output and removed the partial results: it had finished, and
            // a new run would embed the whole folder again into a fresh output.
            if (File.Exists(killed + ".files.txt") && !Directory.Exists(sidecar)) break;
        }
        if (File.Exists(killed + ".files.txt") && !Directory.Exists(sidecar)) done = Images;
        else
        {
            var (code, output) = ChildTips.RunWithOutput(TimeSpan.FromMinutes(3), Args(killed));
            Assert.Equal(0, code);
            // Exactly the images not finished before the last kill are encoded again.
            Assert.Contains($"embedded {Images - done} new, {done} resumed, 0 skipped", output);
        }
        Assert.Equal(File.ReadAllText(straight + ".files.txt"), File.ReadAllText(killed + ".files.txt"));
        var a = StateDict.LoadNpz(straight);
        var b = StateDict.LoadNpz(killed);
        foreach (var key in new[] { "cls1", "cls2" }) Assert.True(SameValues(a[key], b[key]), $"{key} differs after {kills} kills");
        Assert.False(Directory.Exists(sidecar));
        Console.WriteLine($"embed: {kills} kills survived; an uninterrupted run takes {whole:F1} s");
    }

    private static bool SameValues(NdArray a, NdArray b) =>
        a.Shape.SequenceEqual(b.Shape) && a.DType == b.DType && (a.IsFloat ? a.Floats.SequenceEqual(b.Floats) : a.Ints.SequenceEqual(b.Ints));
}
