using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Tips.Model;
using Tips.Model.Checkpoints;
using Tips.Model.Images;
using Tips.Tests.Cli;
using Tips.Train.Cli;

namespace Tips.Tests.Photos;

/// <summary>Every `tips` command on real photographs (skimage's CC0 images) with the tiny fixture model.</summary>
public class PhotoCommandTests
{
    private const int D = 64;

    private static string[] PhotoArgs => Photos.Rgb.SelectMany(p => new[] { "--image", Photos.Path(p) }).ToArray();

    private static void Finite(float[] values, string what)
    {
        for (int i = 0; i < values.Length; i++)
            Assert.True(float.IsFinite(values[i]), $"{what}[{i}] = {values[i]}");
    }

    [Fact]
    public void EncodeImageGivesShapesAtAnySizeDistinctPhotosAndIsDeterministic()
    {
        using var run = new CliRun();
        string[] Args(string output) => ["encode-image", "--checkpoint", CliRun.Tiny("vision.npz"), "--config", CliRun.Tiny("config.json"),
            "--device", "cpu", .. PhotoArgs, "--out", output];
        CliRun.Ok(Args(run.File("a.npz")));
        CliRun.Ok([.. Args(run.File("b.npz")), "--size", "112x168"]);
        CliRun.Ok(Args(run.File("c.npz")));
        var native = StateDict.LoadNpz(run.File("a.npz"));
        var repeat = StateDict.LoadNpz(run.File("c.npz"));
        foreach (var key in new[] { "cls1", "cls2", "patch_tokens" }) Assert.Equal(native[key].Floats, repeat[key].Floats);
        var large = StateDict.LoadNpz(run.File("b.npz"));
        Assert.Equal([4, D], native["cls1"].Shape);
        Assert.Equal([4, 4, 4, D], native["patch_tokens"].Shape);
        Assert.Equal([4, 8, 12, D], large["patch_tokens"].Shape);
        foreach (var (state, name) in new[] { (native, "native"), (large, "112x168") })
            foreach (var key in new[] { "cls1", "cls2", "patch_tokens" }) Finite(state[key].Floats, $"{name} {key}");
        // Different photographs give clearly different embeddings (a model ignoring its input would not).
        var cls1 = native["cls1"].Floats;
        for (int i = 0; i < 4; i++)
            for (int j = i + 1; j < 4; j++)
            {
                double diff = 0;
                for (int k = 0; k < D; k++) diff += Math.Abs(cls1[i * D + k] - cls1[j * D + k]);
                Assert.True(diff > 1e-2, $"{Photos.Rgb[i]} and {Photos.Rgb[j]} have the same CLS1");
            }
    }

    [Fact]
    public void ClassifyGivesProbabilityRowsThatMatchTheLibrary()
    {
        using var run = new CliRun();
        string[] labels = ["astronaut", "cat", "cup of coffee", "rocket"];
        var output = run.File("probs.npz");
        var stdout = CliRun.Ok(["classify", .. CliRun.Both, .. PhotoArgs, "--labels", string.Join(",", labels), "--top", "2", "--out", output]);
        var probs = StateDict.LoadNpz(output)["probs"];
        Assert.Equal([4, 4], probs.Shape);
        Finite(probs.Floats, "probs");
        for (int i = 0; i < 4; i++)
        {
            var row = probs.Floats.AsSpan(i * 4, 4).ToArray();
            Assert.All(row, p => Assert.InRange(p, 0f, 1f));
            Assert.Equal(1.0, row.Sum(p => (double)p), 1e-5);
            Assert.Contains(Photos.Path(Photos.Rgb[i]), stdout);
            // The printed top label is the row's argmax.
            int best = Array.IndexOf(row, row.Max());
            var block = stdout.Split(Photos.Path(Photos.Rgb[i]))[1].Split('\n');
            Assert.EndsWith(labels[best], block[1].TrimEnd());
        }
        using var tips = TipsPipeline.Load(CliRun.Tiny("vision.npz"), CliRun.Tiny("text.npz"), CliRun.Tiny("tokenizer.model"), configPath: CliRun.Tiny("config.json"), device: "cpu");
        var features = tips.EncodeImages(Photos.Rgb.Select(p => tips.Prepare(ImageLoader.Load(Photos.Path(p)))).ToArray());
        var expected = tips.ZeroShot(features.Cls1, tips.EncodeText(Prompts.Fill("a photo of a {}.", labels)).Embeddings);
        CliRun.RelL2(expected.SelectMany(r => r).ToArray(), probs.Floats, 1e-5, "probs vs library");
        var again = run.File("again.npz");
        CliRun.Ok(["classify", .. CliRun.Both, .. PhotoArgs, "--labels", string.Join(",", labels), "--out", again]);
        Assert.Equal(probs.Floats, StateDict.LoadNpz(again)["probs"].Floats);
    }

    [Fact]
    public void SimilarityAndRetrieveAgreeWithCosinesOfTheEmbeddings()
    {
        using var run = new CliRun();
        string[] queries = ["a photo of an astronaut", "a cat", "a rocket on the launch pad"];
        var stdout = CliRun.Ok(["similarity", .. CliRun.Both, .. PhotoArgs, .. queries.SelectMany(q => new[] { "--query", q })]);
        var table = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => Photos.Rgb.Any(p => l.StartsWith(p, StringComparison.Ordinal)))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
        Assert.Equal(4, table.Length);

        // Independent cosines in float64 from the encode-image output and the library's text embeddings.
        var npz = run.File("e.npz");
        CliRun.Ok(["encode-image", "--checkpoint", CliRun.Tiny("vision.npz"), "--config", CliRun.Tiny("config.json"), "--device", "cpu", .. PhotoArgs, "--out", npz]);
        var cls1 = StateDict.LoadNpz(npz)["cls1"].Floats;
        using var tips = TipsPipeline.Load(CliRun.Tiny("vision.npz"), CliRun.Tiny("text.npz"), CliRun.Tiny("tokenizer.model"), configPath: CliRun.Tiny("config.json"), device: "cpu");
        var texts = tips.EncodeText(queries).Embeddings;
        double Cos(int i, int j)
        {
            double dot = 0, a = 0, b = 0;
            for (int k = 0; k < D; k++)
            {
                dot += (double)cls1[i * D + k] * texts[j * D + k];
                a += (double)cls1[i * D + k] * cls1[i * D + k];
                b += (double)texts[j * D + k] * texts[j * D + k];
            }
            return dot / Math.Sqrt(a * b);
        }
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < queries.Length; j++)
                // Printed with 4 decimals (0.5e-4) plus float32 encoding error.
                Assert.True(Math.Abs(table[i][j] - Cos(i, j)) <= 2e-4, $"{Photos.Rgb[i]} vs '{queries[j]}': printed {table[i][j]}, reference {Cos(i, j):F6}");

        // Text -> images over a folder (with a file that is not an image): the ranking of the similarity column.
        var dir = Photos.Folder(run, "photos", Photos.Rgb);
        File.WriteAllText(Path.Combine(dir, "notes.png"), "not a picture");
        var ranked = CliRun.Ok(["retrieve", .. CliRun.Both, "--images", dir, "--query", queries[2], "--batch", "3"])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        Assert.Equal(4, ranked.Length);
        var expectedOrder = Enumerable.Range(0, 4).OrderByDescending(i => Cos(i, 2)).Select(i => Photos.Rgb[i]).ToArray();
        Assert.Equal(expectedOrder, ranked.Select(r => r[2]).ToArray());
        Assert.Equal(["1", "2", "3", "4"], ranked.Select(r => r[0]).ToArray());
    }

    [Fact]
    public void PcaMapOfTwoPhotosHasImageSizeBlocksAndColourSpread()
    {
        using var run = new CliRun();
        var output = run.File("pca.png");
        CliRun.Ok(["pca", .. CliRun.Vision, "--image", Photos.Path("chelsea.png"), "--image", Photos.Path("coffee.png"), "--size", "112x168", "--out", output]);
        using var png = Image.Load<Rgb24>(output);
        Assert.Equal(2 * 600, png.Width);
        Assert.Equal(300 + 400, png.Height);
        var photos = new[] { ImageLoader.Load(Photos.Path("chelsea.png")), ImageLoader.Load(Photos.Path("coffee.png")) };
        int top = 0;
        foreach (var photo in photos)
        {
            var colours = new HashSet<Rgb24>();
            double[] sum = new double[3], sq = new double[3];
            for (int y = 0; y < photo.Height; y++)
                for (int x = 0; x < photo.Width; x++)
                {
                    var p = png[x, top + y];
                    Assert.Equal((byte)Math.Round(photo[y, x, 0] * 255), png[x, top + y].R);
                    var m = png[photo.Width + x, top + y];
                    // Nearest upsampling of the 8x12 patch grid: each pixel repeats its cell's first pixel.
                    int cy = y * 8 / photo.Height, cx = x * 12 / photo.Width;
                    int fy = Enumerable.Range(0, photo.Height).First(v => v * 8 / photo.Height == cy);
                    int fx = Enumerable.Range(0, photo.Width).First(v => v * 12 / photo.Width == cx);
                    Assert.Equal(png[photo.Width + fx, top + fy], m);
                    colours.Add(m);
                    sum[0] += m.R; sum[1] += m.G; sum[2] += m.B;
                    sq[0] += m.R * m.R; sq[1] += m.G * m.G; sq[2] += m.B * m.B;
                }
            Assert.InRange(colours.Count, 30, 96);
            int n = photo.Height * photo.Width;
            for (int c = 0; c < 3; c++)
            {
                double sd = Math.Sqrt(sq[c] / n - Math.Pow(sum[c] / n, 2));
                Assert.True(sd > 10, $"PCA channel {c} barely varies (sd {sd:F1} of 255)");
            }
            top += photo.Height;
        }
    }

    [Fact]
    public void SegmentWritesLabelMapAtPhotoSizeAndLegend()
    {
        using var run = new CliRun();
        string[] labels = ["sky", "person", "flag", "building"];
        var output = run.File("seg.png");
        var stdout = CliRun.Ok(["segment", .. CliRun.Both, "--image", Photos.Path("astronaut.png"), "--labels", string.Join(",", labels), "--size", "112", "--out", output]);
        using var map = Image.Load<L8>(run.File("seg.labels.png"));
        Assert.Equal((512, 512), (map.Width, map.Height));
        var counts = new int[labels.Length];
        for (int y = 0; y < 512; y++)
            for (int x = 0; x < 512; x++)
            {
                Assert.InRange(map[x, y].PackedValue, 0, labels.Length - 1);
                counts[map[x, y].PackedValue]++;
            }
        Assert.True(counts.Count(c => c > 0) >= 2, "the whole photograph got one label");
        // The printed shares are the label map's.
        var shares = stdout.Split('\n').Where(l => l.Contains('%')).Select(l => double.Parse(l.Split('%')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(labels.Length, shares.Length);
        for (int c = 0; c < labels.Length; c++) Assert.Equal(100.0 * counts[c] / (512 * 512), shares[c], 0.01);

        using var overlay = Image.Load<Rgb24>(output);
        Assert.Equal(512, overlay.Height);
        Assert.True(overlay.Width > 512 + 40, "no legend panel");
        var photo = ImageLoader.Load(Photos.Path("astronaut.png"));
        for (int c = 0; c < labels.Length; c++)
        {
            // Legend swatch c in the panel, and every overlay pixel is the half-way blend of photo and class colour.
            var (r, g, b) = Overlay.Color(c);
            var swatch = Enumerable.Range(0, overlay.Height).Any(y => Enumerable.Range(512, overlay.Width - 512)
                .Any(x => overlay[x, y].Equals(new Rgb24((byte)Math.Round(r * 255), (byte)Math.Round(g * 255), (byte)Math.Round(b * 255)))));
            Assert.True(swatch, $"no legend swatch for class {c}");
        }
        for (int y = 0; y < 512; y += 37)
            for (int x = 0; x < 512; x += 41)
            {
                var (r, _, _) = Overlay.Color(map[x, y].PackedValue);
                Assert.Equal(0.5 * photo[y, x, 0] + 0.5 * r, overlay[x, y].R / 255.0, 0.003);
            }
        var again = run.File("again.png");
        CliRun.Ok(["segment", .. CliRun.Both, "--image", Photos.Path("astronaut.png"), "--labels", string.Join(",", labels), "--size", "112", "--out", again]);
        Assert.Equal(File.ReadAllBytes(run.File("seg.labels.png")), File.ReadAllBytes(run.File("again.labels.png")));
    }

    [Fact]
    public void EmbedPhotoFolderWithExifJpegResumes()
    {
        using var run = new CliRun();
        var dir = Photos.Folder(run, "photos", Photos.Rgb);
        var exif = run.File("exif");
        Directory.CreateDirectory(exif);
        var (plain, oriented) = PhotoLoaderTests.ExifPair(exif, "chelsea.png");
        File.Copy(oriented, Path.Combine(dir, "oriented.jpg"));
        File.WriteAllText(Path.Combine(dir, "readme.txt"), "not an image");
        var output = run.File("emb.npz");
        string[] args = ["embed", .. CliRun.Vision, "--images", dir, "--out", output, "--batch", "2"];
        var stdout = CliRun.Ok(args);
        Assert.Contains("embedded 5 new, 0 resumed, 1 skipped", stdout);
        string[] order = ["astronaut.png", "chelsea.png", "coffee.png", "oriented.jpg", "rocket.jpg"];
        Assert.Equal(order, File.ReadAllLines(output + ".files.txt"));
        var full = StateDict.LoadNpz(output);
        Assert.Equal([5, D], full["cls1"].Shape);
        Finite(full["cls1"].Floats, "cls1");
        Finite(full["cls2"].Floats, "cls2");

        // The oriented JPEG is embedded upright: as the plain JPEG's pixels rotated clockwise, written losslessly.
        var upright = ImageLoader.Load(plain);
        var turned = new float[upright.Pixels.Length];
        int h = upright.Width, w = upright.Height;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) turned[(y * w + x) * 3 + c] = upright[upright.Height - 1 - x, y, c];
        var rotatedPng = run.File("rotated.png");
        PngWriter.WriteRgb(rotatedPng, new RgbImage(h, w, turned));
        var reference = run.File("rotated.npz");
        CliRun.Ok(["encode-image", "--checkpoint", CliRun.Tiny("vision.npz"), "--config", CliRun.Tiny("config.json"), "--device", "cpu", "--image", rotatedPng, "--out", reference]);
        CliRun.RelL2(StateDict.LoadNpz(reference)["cls1"].Floats, full["cls1"].Floats[(3 * D)..(4 * D)], 1e-6, "oriented.jpg cls1");

        // An interrupted run left coffee.png and rocket.jpg (marker values no encoder yields) in the sidecar.
        File.Delete(output);
        var sidecar = EmbedSidecar.Open(EmbedSidecar.PathFor(output), EmbedCommand.Identity(CliRun.Tiny("vision.npz"), 56, 56), D);
        sidecar.Add("coffee.png", Enumerable.Repeat(3f, D).ToArray(), Enumerable.Repeat(-3f, D).ToArray());
        sidecar.Add("rocket.jpg", full["cls1"].Floats[(4 * D)..], full["cls2"].Floats[(4 * D)..]);
        sidecar.Save();
        Assert.Contains("embedded 3 new, 2 resumed, 1 skipped", CliRun.Ok(args));
        var resumed = StateDict.LoadNpz(output)["cls1"].Floats;
        Assert.All(resumed[(2 * D)..(3 * D)], v => Assert.Equal(3f, v));
        Assert.Equal(full["cls1"].Floats[..(2 * D)], resumed[..(2 * D)]);
        Assert.Equal(full["cls1"].Floats[(3 * D)..], resumed[(3 * D)..]);
        Assert.False(Directory.Exists(EmbedSidecar.PathFor(output)));
    }
}
