using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Tips.Model;
using Tips.Train.Cli;
using Tips.Train.Data;
using Tips.Train.Training;

namespace Tips.Tests.Data;

/// <summary>Stamp scenes: on the real Tux Paint stamps (tuxpaint-stamps-default, extracted by setup.sh) and on
/// analytic disc stamps whose masks are known exactly.</summary>
public sealed class StampScenesTests : IDisposable
{
    private static readonly Lazy<StampCatalog> Real = new(() => StampCatalog.Open());
    private static readonly Lazy<GroundTextures> Grounds = new(() => GroundTextures.Load());

    private readonly string _dir = Directory.CreateTempSubdirectory("tips-stamps-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CatalogReadsCategoriesAndEnglishCaptions()
    {
        var catalog = Real.Value;
        Assert.InRange(catalog.Stamps.Count, 300, 800);
        for (int c = 0; c < StampCategories.Count; c++)
            Assert.True(catalog.ByCategory[c].Length >= 5, $"{StampCategories.Name(c)}: {catalog.ByCategory[c].Length} stamps");
        var kangaroo = catalog.Stamps.Single(s => s.RelativePath == "animals/marsupials/kangaroo.png");
        Assert.Equal(("mammal", "A red kangaroo.", "red kangaroo"), (StampCategories.Name(kangaroo.Category), kangaroo.Caption, kangaroo.Name));
        Assert.DoesNotContain(catalog.Stamps, s => s.RelativePath.EndsWith("_mirror.png", StringComparison.Ordinal) || s.RelativePath.StartsWith("symbols/", StringComparison.Ordinal));
        Assert.All(catalog.Stamps, s =>
        {
            Assert.DoesNotContain(".utf8=", s.Caption);
            Assert.Matches("^[a-z0-9 '&/-]+$", s.Name);
        });
        var image = catalog.Image(catalog.Stamps.ToList().IndexOf(kangaroo));
        Assert.True(Math.Max(image.Height, image.Width) <= StampCatalog.MaxSide);
        // Cropped to the visible box: every border row and column has a visible pixel.
        Assert.Contains(Enumerable.Range(0, image.Width), x => image.Rgba[x * 4 + 3] > 0);
        Assert.Contains(Enumerable.Range(0, image.Height), y => image.Rgba[(y * image.Width) * 4 + 3] > 0);
    }

    [Theory]
    [InlineData("An albino peahen (a female peafowl, or peacock).", "albino peahen")]
    [InlineData("\u201CArrow\u201D.", "arrow")]
    [InlineData("Mercury\u2014the planet closest to the Sun.", "mercury")]
    [InlineData("Tux and spider - two friends.", "tux and spider")]
    [InlineData("A VW Beetle.", "vw beetle")]
    [InlineData("The Earth. Our planet!", "earth")]
    [InlineData("...", "file name")]
    public void ShortNamesDropArticlesAndTails(string caption, string expected) =>
        Assert.Equal(expected, StampCategories.ShortName(caption, "file_name"));

    [Fact]
    public void ScenesAreDeterministicBySeedAndSplit()
    {
        var a = new StampSceneGenerator(StampCatalog.Open(), Grounds.Value, 64, 80);
        var b = new StampSceneGenerator(StampCatalog.Open(), Grounds.Value, 64, 80);
        for (int i = 0; i < 3; i++)
        {
            var x = a.Generate(Split.Train, i).Example;
            var y = b.Generate(Split.Train, i).Example;
            Assert.Equal(x.Image.Pixels, y.Image.Pixels);
            Assert.Equal(x.Classes, y.Classes);
            Assert.Equal(x.Depth, y.Depth);
            Assert.Equal((x.WebCaption, x.SyntheticCaption), (y.WebCaption, y.SyntheticCaption));
        }
        Assert.NotEqual(a.Generate(Split.Train, 0).Example.Image.Pixels, a.Generate(Split.Train, 1).Example.Image.Pixels);
        Assert.NotEqual(a.Generate(Split.Train, 0).Example.Image.Pixels, a.Generate(Split.Test, 0).Example.Image.Pixels);
        var dataset = new StampDataset(a, Split.Validation, 5);
        Assert.Equal(a.Generate(Split.Validation, 4).Example.Image.Pixels, dataset.Get(4).Image.Pixels);
        Assert.Throws<TipsException>(() => dataset.Get(5));
    }

    [Fact]
    public void RealScenesHaveConsistentMapsGroundPlaneDepthAndCaptions()
    {
        const int h = 96, w = 128;
        var generator = new StampSceneGenerator(Real.Value, Grounds.Value, h, w);
        int stamps = 0, visible = 0, webNamesSalient = 0, counts = 0;
        for (int index = 0; index < 40; index++)
        {
            var scene = generator.Generate(Split.Train, index);
            var ex = scene.Example;
            counts += scene.Stamps.Count;
            Assert.InRange(scene.Stamps.Count, 1, 4);
            Assert.All(ex.Image.Pixels, v => Assert.InRange(v, 0f, 1f));
            double hy = scene.HorizonY, g = h - hy;
            for (int s = 0; s < scene.Stamps.Count; s++)
            {
                var p = scene.Stamps[s];
                // Standing on the ground plane: the base row's ground depth is the stamp's; far to near in drawing order.
                Assert.Equal(g / (p.BaseY - hy), p.Depth, 1e-4);
                if (s > 0) Assert.True(scene.Stamps[s - 1].Depth >= p.Depth, "stamps are not drawn far to near");
                stamps++;
                if (scene.Instances.Contains(s + 1)) visible++;
            }
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int i = y * w + x, inst = scene.Instances[i];
                    if (inst > 0)
                    {
                        var p = scene.Stamps[inst - 1];
                        Assert.Equal(p.ClassId, ex.Classes![i]);
                        Assert.Equal(p.Depth, ex.Depth![i]);
                        Assert.InRange((double)x, Math.Floor(p.Left), Math.Ceiling(p.Left + p.Width));
                        Assert.InRange((double)y, Math.Floor(p.Top), Math.Ceiling(p.BaseY));
                        continue;
                    }
                    Assert.Equal(0, ex.Classes![i]);
                    double yc = y + 0.5;
                    float expected = yc <= hy ? SceneGenerator.SkyDepth : (float)Math.Min(g / (yc - hy), SceneGenerator.SkyDepth);
                    Assert.Equal(expected, ex.Depth![i]);
                }
            // The synthetic caption names every stamp and the count; the web caption, when it names a stamp, names the largest.
            Assert.StartsWith(new[] { "one", "two", "three", "four" }[scene.Stamps.Count - 1] + " object", ex.SyntheticCaption);
            Assert.All(scene.Stamps, p => Assert.Contains(p.Name, ex.SyntheticCaption));
            Assert.Contains(scene.Ground, ex.SyntheticCaption);
            var salient = scene.Stamps.MaxBy(p => p.Width * p.Height)!;
            if (ex.WebCaption == salient.Caption || ex.WebCaption.Contains(salient.Name, StringComparison.OrdinalIgnoreCase)
                || ex.WebCaption.EndsWith(" " + salient.CategoryName, StringComparison.Ordinal)) webNamesSalient++;
            foreach (var p in scene.Stamps.Where(p => p != salient && !salient.Name.Contains(p.Name) && !salient.Caption.Contains(p.Name, StringComparison.OrdinalIgnoreCase)))
                Assert.DoesNotContain(p.Name, ex.WebCaption, StringComparison.OrdinalIgnoreCase);
        }
        Assert.True(visible >= 0.9 * stamps, $"only {visible} of {stamps} stamps own a pixel");
        Assert.InRange(webNamesSalient, 20, 38);
        Assert.True(counts > 40 * 1.5, $"{counts} stamps in 40 scenes: placement gives up too often");
    }

    /// <summary>A lone real stamp's mask covers its box in the proportion of the stamp's texels with alpha >= 1/2, up to
    /// a band of about one pixel along its outline.</summary>
    [Fact]
    public void LoneRealStampMaskAreaFollowsItsAlpha()
    {
        var generator = new StampSceneGenerator(Real.Value, Grounds.Value, 128, 128, 1, 1);
        for (int index = 0; index < 12; index++)
        {
            var scene = generator.Generate(Split.Validation, index);
            var p = Assert.Single(scene.Stamps);
            var image = Real.Value.Image(p.Stamp);
            int opaque = 0, edges = 0;
            for (int y = 0; y < image.Height; y++)
                for (int x = 0; x < image.Width; x++)
                {
                    bool inside = image.Rgba[(y * image.Width + x) * 4 + 3] >= 128;
                    if (inside) opaque++;
                    if (x + 1 < image.Width && inside != image.Rgba[(y * image.Width + x + 1) * 4 + 3] >= 128) edges++;
                    if (y + 1 < image.Height && inside != image.Rgba[((y + 1) * image.Width + x) * 4 + 3] >= 128) edges++;
                }
            double expected = p.Width * p.Height * opaque / (image.Width * image.Height);
            // The outline's length in scene pixels, each edge texel scaled by the pixels per texel.
            double outline = edges * Math.Max(p.Width / image.Width, p.Height / image.Height);
            int mask = scene.Instances.Count(i => i == 1);
            Assert.Equal(mask, scene.Example.Classes!.Count(c => c == p.ClassId));
            Assert.True(Math.Abs(mask - expected) <= 0.25 * outline + 4, $"{p.Name}: mask {mask} pixels, alpha says {expected:F0} (outline {outline:F0})");
        }
    }

    /// <summary>Disc stamps (opaque inside the inscribed circle of their box, transparent outside), one colour per category,
    /// under every category folder: a stamp's mask must be the ellipse inscribed in its placed box, nearer stamps must
    /// cover farther ones, and fully covered pixels must have exactly the stamp's colour.</summary>
    [Fact]
    public void MasksFollowAlphaAndNearerStampsOcclude()
    {
        var root = DiscStamps(_dir);
        var catalog = StampCatalog.Open(root);
        const int h = 72, w = 96;
        var generator = new StampSceneGenerator(catalog, Textures(_dir), h, w, 2, 4);
        int checkedPixels = 0;
        for (int index = 0; index < 25; index++)
        {
            var scene = generator.Generate(Split.Test, index);
            var stamps = scene.Stamps;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int i = y * w + x;
                    // Normalised distance to each ellipse, with slack for the soft edge: 1.5 pixels (sub-sampling) or
                    // 2 texels (the stamp's rasterised edge and the bilinear reach), whichever is wider.
                    var r = stamps.Select(p => (Math.Sqrt(Math.Pow((x + 0.5 - p.CenterX) / (p.Width / 2), 2) + Math.Pow((y + 0.5 - p.CenterY) / (p.Height / 2), 2)),
                        Math.Max(1.5 / Math.Min(p.Width / 2, p.Height / 2), 2.0 / 24))).ToArray();
                    int inst = scene.Instances[i];
                    if (inst > 0) Assert.True(r[inst - 1].Item1 <= 1 + r[inst - 1].Item2, $"scene {index} ({y},{x}): owned by stamp {inst} outside its disc");
                    int last = Array.FindLastIndex(r, d => d.Item1 < 1 - d.Item2);
                    // Skip pixels under the soft edge of a nearer stamp.
                    if (last < 0 || r.Skip(last + 1).Any(d => d.Item1 <= 1 + d.Item2)) continue;
                    Assert.True(inst == last + 1, $"scene {index} ({y},{x}): inside stamp {last + 1}'s disc (the nearest covering), owned by {inst}");
                    var colour = DiscColour(stamps[last].Category);
                    for (int c = 0; c < 3; c++)
                        Assert.True(Math.Abs(colour[c] - scene.Example.Image[y, x, c]) <= 1e-5, $"scene {index} ({y},{x},{c}): not the stamp's colour");
                    checkedPixels++;
                }
        }
        Assert.True(checkedPixels > 5000, $"only {checkedPixels} interior pixels checked");
    }

    [Fact]
    public void MissingOrBrokenStampsAreClearErrors()
    {
        var missing = Assert.Throws<TipsException>(() => StampCatalog.Open(Path.Combine(_dir, "none")));
        Assert.Contains("no such stamps folder", missing.Message);
        var pkg = Assert.Throws<TipsException>(() => DebianData.Locate(DebianData.Stamps, "usr/share/no-such-folder"));
        Assert.Contains("scripts/setup.sh --tests", pkg.Message);
        Assert.Contains("tuxpaint-stamps-default", pkg.Message);

        var partial = Path.Combine(_dir, "partial", "animals", "birds");
        Directory.CreateDirectory(partial);
        WriteDisc(Path.Combine(partial, "bird.png"), 0);
        File.WriteAllText(Path.Combine(partial, "bird.txt"), "A bird.\n");
        var e = Assert.Throws<TipsException>(() => StampCatalog.Open(Path.Combine(_dir, "partial")));
        Assert.Contains("no captioned stamps for mammal", e.Message);

        var root = DiscStamps(Path.Combine(_dir, "broken"));
        var stamp = Directory.GetFiles(Path.Combine(root, "food", "fruit"), "*.png")[0];
        File.WriteAllBytes(stamp, File.ReadAllBytes(stamp)[..60]);
        var catalog = StampCatalog.Open(root);
        int index = catalog.Stamps.ToList().FindIndex(s => stamp.EndsWith(s.RelativePath, StringComparison.Ordinal));
        var decode = Assert.Throws<TipsException>(() => catalog.Image(index));
        Assert.Contains("cannot decode stamp", decode.Message);
    }

    [Fact]
    public void TrainAndEvalRunOnStampScenes()
    {
        var path = Path.Combine(_dir, "run.json");
        File.WriteAllText(path, $$$"""
            {"model": "{{{Path.Combine(Paths.Tiny, "config.json")}}}", "tokenizer": "{{{Path.Combine(Paths.Tiny, "tokenizer.model")}}}",
             "data": {"stamps": {"count": 20, "size": 64}}, "batch_size": 2, "global_size": 56, "local_size": 28, "local_crops": 1, "checkpoint_every": 2,
             "train": {"total_steps": 2, "head_hidden": 32, "head_bottleneck": 16, "prototypes": 32, "warmup_steps": 1, "freeze_last_layer_steps": 1}}
            """);
        var config = RunConfig.Load(path, []);
        var source = Assert.IsType<StampDataset>(config.Source);
        Assert.Equal(20, source.Count);
        Assert.Equal((64, 64), (source.Get(3).Height, source.Get(3).Width));
        Assert.Contains("\"stamps\"", config.ToJson());

        var runDir = Path.Combine(_dir, "run");
        Cli.CliRun.Ok("train", "--config", path, "--out", runDir, "--device", "cpu");
        var steps = File.ReadAllLines(Path.Combine(runDir, MetricsLog.FileName)).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!).ToArray();
        Assert.Equal(2, steps.Length);
        Assert.All(steps, s => Assert.True(double.IsFinite(s["loss"]!.GetValue<double>())));

        var json = Path.Combine(_dir, "eval.json");
        var table = Cli.CliRun.Ok(["eval", .. Cli.CliRun.Both, "--data", "stamps", "--probe-images", "12", "--test-images", "6", "--segment-images", "1", "--out", json]);
        Assert.Contains($"{StampCategories.ClassCount} classes", table);
        Assert.Contains($"over {StampCategories.Count} kinds", table);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        var metrics = doc.RootElement.GetProperty("metrics").EnumerateObject().ToArray();
        Assert.Equal(9, metrics.Length);
        Assert.All(metrics, m => Assert.True(double.IsFinite(m.Value.GetProperty("value").GetDouble()), m.Name));
    }

    private static float[] DiscColour(int category) => [(category * 37 % 256) / 255f, (category * 91 % 256) / 255f, (200 - category * 13) / 255f];

    private static void WriteDisc(string path, int category)
    {
        var colour = DiscColour(category);
        using var image = new Image<Rgba32>(64, 48);
        // An ellipse filling the 64x48 box: the cropped stamp's box is the whole image.
        for (int y = 0; y < 48; y++)
            for (int x = 0; x < 64; x++)
            {
                double dx = (x + 0.5 - 32) / 32, dy = (y + 0.5 - 24) / 24;
                if (dx * dx + dy * dy <= 1)
                    image[x, y] = new Rgba32((byte)Math.Round(colour[0] * 255), (byte)Math.Round(colour[1] * 255), (byte)Math.Round(colour[2] * 255), 255);
            }
        image.SaveAsPng(path);
    }

    /// <summary>Three disc stamps under one folder of every category, captioned "A disc c-k." like Tux Paint's .txt files.</summary>
    private static string DiscStamps(string dir)
    {
        var root = Path.Combine(dir, "stamps");
        string[] folders = ["animals/mammals", "animals/birds", "animals/fish", "animals/insects", "food/fruit", "food/vegetables",
            "plants/flowers", "plants/trees", "town/houses", "town/roadsigns", "vehicles/auto", "space/planets", "household/tools"];
        foreach (var folder in folders)
        {
            var full = Path.Combine(root, folder);
            Directory.CreateDirectory(full);
            int category = StampCategories.Of(folder + "/");
            for (int k = 0; k < 3; k++)
            {
                WriteDisc(Path.Combine(full, $"disc{k}.png"), category);
                File.WriteAllText(Path.Combine(full, $"disc{k}.txt"), $"A disc {category}-{k}.\nfr.utf8=Un disque.\n");
            }
        }
        return root;
    }

    private static GroundTextures Textures(string dir)
    {
        var folder = Path.Combine(dir, "textures");
        Directory.CreateDirectory(folder);
        var rng = new Random(5);
        foreach (var name in new[] { "grass.png", "gravel.png", "brick.png" })
        {
            using var image = new Image<L8>(32, 32);
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++) image[x, y] = new L8((byte)rng.Next(256));
            image.SaveAsPng(Path.Combine(folder, name));
        }
        return GroundTextures.Load(folder);
    }
}
