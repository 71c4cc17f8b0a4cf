using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Tips.Model;
using Tips.Model.Images;
using Tips.Model.Towers;

namespace Tips.Tests.Cli;

/// <summary>pca and segment: PNG sizes and contents, and the recipes against independent float64 computations.</summary>
public class MapCommandTests
{
    [Fact]
    public void PcaWritesImageBesideMap()
    {
        using var run = new CliRun();
        var output = run.File("pca.png");
        CliRun.Ok(["pca", .. CliRun.Vision, "--image", CliRun.Image("42x70"), "--out", output]);
        using var png = Image.Load<Rgb24>(output);
        Assert.Equal(140, png.Width);
        Assert.Equal(42, png.Height);
        var input = ImageLoader.Load(CliRun.Image("42x70"));
        // Left half: the input; right half: nearest upsampling of the 4x4 map (native size) to 42x70.
        var firstY = Enumerable.Range(0, 4).Select(g => Enumerable.Range(0, 42).First(y => y * 4 / 42 == g)).ToArray();
        var firstX = Enumerable.Range(0, 4).Select(g => Enumerable.Range(0, 70).First(x => x * 4 / 70 == g)).ToArray();
        for (int y = 0; y < 42; y++)
            for (int x = 0; x < 70; x++)
            {
                Assert.Equal((byte)Math.Round(input[y, x, 1] * 255), png[x, y].G);
                Assert.Equal(png[70 + firstX[x * 4 / 70], firstY[y * 4 / 42]], png[70 + x, y]);
            }
        var colours = new HashSet<Rgb24>();
        for (int y = 0; y < 42; y++)
            for (int x = 70; x < 140; x++) colours.Add(png[x, y]);
        Assert.Equal(16, colours.Count);
    }

    [Fact]
    public void PcaAxesAreEigenvectorsOfTheJointCovariance()
    {
        using var tips = TipsPipeline.Load(CliRun.Tiny("vision.npz"), configPath: CliRun.Tiny("config.json"), device: "cpu");
        var images = new[] { ImageLoader.Load(CliRun.Image("56x56")), ImageLoader.Load(CliRun.Image("42x70")) };
        var features = images.Select(i => tips.EncodeImage(i)).ToArray();
        var pca = PatchPca.Fit(features, PcaColor.MinMax);
        int d = 64, n = 32;
        var rows = features.SelectMany(f => f.PatchTokens.Chunk(d)).ToArray();
        Assert.Equal(n, rows.Length);
        var mean = Enumerable.Range(0, d).Select(k => rows.Average(r => (double)r[k])).ToArray();
        var cov = new double[d, d];
        foreach (var r in rows)
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) cov[i, j] += (r[i] - mean[i]) * (r[j] - mean[j]) / n;
        for (int c = 0; c < 3; c++)
        {
            var v = pca.Components.AsSpan(c * d, d).ToArray();
            Assert.Equal(1.0, Math.Sqrt(v.Sum(x => x * x)), 1e-9);
            for (int i = 0; i < d; i++)
            {
                double cv = 0;
                for (int j = 0; j < d; j++) cv += cov[i, j] * v[j];
                Assert.True(Math.Abs(cv - pca.Variances[c] * v[i]) <= 1e-6 * pca.Variances[0], $"axis {c} is not an eigenvector");
            }
        }
        Assert.True(pca.Variances[0] >= pca.Variances[1] && pca.Variances[1] >= pca.Variances[2] && pca.Variances[2] > 0);
        // The top variance is the largest eigenvalue: no other direction (here: each coordinate axis) exceeds it.
        for (int i = 0; i < d; i++) Assert.True(cov[i, i] <= pca.Variances[0] * (1 + 1e-9));
        // Min-max colours span [0, 1] per channel across both images.
        for (int ch = 0; ch < 3; ch++)
        {
            var all = pca.Maps.SelectMany(m => m.Rgb.Where((_, i) => i % 3 == ch)).ToArray();
            Assert.Equal(0f, all.Min(), 6);
            Assert.Equal(1f, all.Max(), 6);
        }
    }

    [Fact]
    public void SegmentSingleWindowMatchesReference()
    {
        using var run = new CliRun();
        var output = run.File("seg.png");
        string[] labels = ["cat", "red circle", "dogs"];
        var stdout = CliRun.Ok(["segment", .. CliRun.Both, "--image", CliRun.Image("56x56"), "--labels", string.Join(",", labels), "--out", output]);
        var map = Gray(run.File("seg.labels.png"), 56, 56);
        Assert.Equal(Reference(ImageLoader.Load(CliRun.Image("56x56")), labels), map);
        Assert.Contains("% cat", stdout.Replace("%  ", "% "));
        using var overlay = Image.Load<Rgb24>(output);
        Assert.Equal(56, overlay.Height);
        Assert.True(overlay.Width > 56 + 10, "overlay needs a legend panel");
    }

    [Fact]
    public void SegmentTwoHalvesMatchesSlideReference()
    {
        using var run = new CliRun();
        // Left: the 56x56 fixture image; right: the 42x70 image squashed to 56x56: 56x112 in all (3 windows).
        var a = ImageLoader.Load(CliRun.Image("56x56"));
        var b = ImagePreprocess.Resize(ImageLoader.Load(CliRun.Image("42x70")), 56, 56);
        var pixels = new float[56 * 112 * 3];
        for (int y = 0; y < 56; y++)
        {
            Array.Copy(a.Pixels, y * 56 * 3, pixels, y * 112 * 3, 56 * 3);
            Array.Copy(b.Pixels, y * 56 * 3, pixels, (y * 112 + 56) * 3, 56 * 3);
        }
        var input = run.File("halves.png");
        PngWriter.WriteRgb(input, new RgbImage(56, 112, pixels));
        string[] args = ["segment", .. CliRun.Both, "--image", input, "--labels", "sky,tree,road,car"];
        CliRun.Ok([.. args, "--out", run.File("one.png")]);
        CliRun.Ok([.. args, "--out", run.File("two.png"), "--out-labels", run.File("two-labels.png")]);
        var first = Gray(run.File("one.labels.png"), 56, 112);
        Assert.Equal(first, Gray(run.File("two-labels.png"), 56, 112));
        Assert.All(first, v => Assert.InRange(v, 0, 3));
        var reference = Reference(ImageLoader.Load(input), ["sky", "tree", "road", "car"]);
        int differ = first.Zip(reference).Count(p => p.First != p.Second);
        // Pixels where two classes tie to float32 rounding may go either way.
        Assert.True(differ <= first.Length / 200, $"{differ} of {first.Length} labels differ from the reference slide inference");
        Assert.True(first.Distinct().Count() >= 2, "random weights should still split the image into several classes");
        Assert.Equal(File.ReadAllBytes(run.File("one.png")), File.ReadAllBytes(run.File("two.png")));
    }

    [Fact]
    public void BitmapFontGlyphsAreThreeByFive()
    {
        foreach (var c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,:/'()?!&+%=")
        {
            var g = Tips.Train.Cli.BitmapFont.Glyph(c);
            Assert.Equal(15, g.Length);
            Assert.All(g, ch => Assert.True(ch is '#' or '.'));
        }
        Assert.Equal(Tips.Train.Cli.BitmapFont.Glyph('?'), Tips.Train.Cli.BitmapFont.Glyph('\u00e9'));
        Assert.Equal(Tips.Train.Cli.BitmapFont.Glyph('A'), Tips.Train.Cli.BitmapFont.Glyph('a'));
    }

    /// <summary>
    /// The notebook's slide inference for an image whose short side is already the native 56 (no resize): windows of
    /// 56 with stride 42 (y2 = min(y1 + 56, H), y1 = max(y2 - 56, 0)); per window the value-path patch tokens, cosines
    /// against the class texts (renormalised mean of the 9 normalised prompts), bilinear upsampling (align_corners off),
    /// softmax over classes; probabilities summed over windows; argmax.
    /// </summary>
    private static int[] Reference(RgbImage image, string[] labels)
    {
        using var tips = TipsPipeline.Load(CliRun.Tiny("vision.npz"), CliRun.Tiny("text.npz"), CliRun.Tiny("tokenizer.model"),
            configPath: CliRun.Tiny("config.json"), device: "cpu");
        const int d = 64, g = 4, side = 56, stride = 42;
        int height = image.Height, width = image.Width, classes = labels.Length;
        var text = new double[classes][];
        for (int c = 0; c < classes; c++)
        {
            var e = tips.EncodeText(Prompts.Segmentation.Select(t => t.Replace("{}", labels[c])).ToArray()).Embeddings;
            var mean = new double[d];
            for (int t = 0; t < 9; t++)
            {
                double norm = Math.Max(Math.Sqrt(e.Skip(t * d).Take(d).Sum(v => (double)v * v)), 1e-3);
                for (int k = 0; k < d; k++) mean[k] += e[t * d + k] / norm / 9;
            }
            double m = Math.Max(Math.Sqrt(mean.Sum(v => v * v)), 1e-3);
            text[c] = mean.Select(v => v / m).ToArray();
        }
        var probs = new double[height, width, classes];
        int rows = Math.Max(height - side + stride - 1, 0) / stride + 1, cols = Math.Max(width - side + stride - 1, 0) / stride + 1;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                int y2 = Math.Min(i * stride + side, height), x2 = Math.Min(j * stride + side, width);
                int y1 = Math.Max(y2 - side, 0), x1 = Math.Max(x2 - side, 0);
                var crop = new float[side * side * 3];
                for (int y = 0; y < side; y++)
                    for (int x = 0; x < side * 3; x++) crop[y * side * 3 + x] = image.Pixels[((y1 + y) * width + x1) * 3 + x];
                var f = tips.EncodeImages([new RgbImage(side, side, crop)], new VisionOptions { ValuePathLastBlock = true });
                var cos = new double[g, g, classes];
                for (int p = 0; p < g * g; p++)
                {
                    var tok = f.PatchTokens.Skip(p * d).Take(d).Select(v => (double)v).ToArray();
                    double norm = Math.Max(Math.Sqrt(tok.Sum(v => v * v)), 1e-3);
                    for (int c = 0; c < classes; c++) cos[p / g, p % g, c] = (float)(tok.Zip(text[c]).Sum(z => z.First * z.Second) / norm);
                }
                for (int y = 0; y < side; y++)
                    for (int x = 0; x < side; x++)
                    {
                        double sy = Math.Clamp((y + 0.5) * g / side - 0.5, 0, g - 1), sx = Math.Clamp((x + 0.5) * g / side - 0.5, 0, g - 1);
                        int a0 = (int)sy, b0 = (int)sx, a1 = Math.Min(a0 + 1, g - 1), b1 = Math.Min(b0 + 1, g - 1);
                        double fy = sy - a0, fx = sx - b0;
                        var logits = Enumerable.Range(0, classes).Select(c =>
                            (1 - fy) * ((1 - fx) * cos[a0, b0, c] + fx * cos[a0, b1, c]) + fy * ((1 - fx) * cos[a1, b0, c] + fx * cos[a1, b1, c])).ToArray();
                        double max = logits.Max(), sum = logits.Sum(v => Math.Exp(v - max));
                        for (int c = 0; c < classes; c++) probs[y1 + y, x1 + x, c] += Math.Exp(logits[c] - max) / sum;
                    }
            }
        var result = new int[height * width];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                result[y * width + x] = Enumerable.Range(0, classes).MaxBy(c => probs[y, x, c]);
        return result;
    }

    private static int[] Gray(string path, int height, int width)
    {
        using var png = Image.Load<L8>(path);
        Assert.Equal(height, png.Height);
        Assert.Equal(width, png.Width);
        var values = new int[height * width];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) values[y * width + x] = png[x, y].PackedValue;
        return values;
    }
}
