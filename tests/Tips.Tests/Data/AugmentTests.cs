using Tips.Model;
using Tips.Model.Images;
using Tips.Train.Data;

namespace Tips.Tests.Data;

public sealed class AugmentTests
{
    /// <summary>p(y, x, c) = 0.01 x + 0.02 y + 0.1 c; class map = x; depth = y + 100.</summary>
    private static Example Gradient(int h, int w)
    {
        var pixels = new float[h * w * 3];
        var classes = new int[h * w];
        var depth = new float[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                for (int c = 0; c < 3; c++) pixels[(y * w + x) * 3 + c] = 0.01f * x + 0.02f * y + 0.1f * c;
                classes[y * w + x] = x;
                depth[y * w + x] = y + 100;
            }
        return new Example(new RgbImage(h, w, pixels), "web", "synthetic", classes, depth);
    }

    [Theory]
    [InlineData(4, 7, 20, 30, 12, false)] // downscale
    [InlineData(3, 2, 6, 6, 16, false)] // upscale: edge outputs clamp to the box
    [InlineData(0, 0, 24, 40, 40, true)]
    [InlineData(10, 20, 14, 9, 11, true)]
    public void CropOfAGradientSamplesTheExpectedPoints(int top, int left, int bh, int bw, int size, bool flip)
    {
        var e = Gradient(24, 40);
        var crop = Augment.CropResize(e, new CropBox(top, left, bh, bw), size, flip);
        Assert.Equal((size, size), (crop.Image.Height, crop.Image.Width));
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int xs = flip ? size - 1 - x : x;
                // Half-pixel centres, clamped to the box: bilinear of a linear function is that function.
                double sx = left + Math.Clamp((xs + 0.5) * bw / size - 0.5, 0, bw - 1);
                double sy = top + Math.Clamp((y + 0.5) * bh / size - 0.5, 0, bh - 1);
                for (int c = 0; c < 3; c++)
                {
                    double expected = 0.01 * sx + 0.02 * sy + 0.1 * c;
                    Assert.True(Math.Abs(crop.Image[y, x, c] - expected) <= 1e-5, $"({y},{x},{c}): expected {expected}, got {crop.Image[y, x, c]}");
                }
                Assert.Equal(left + Math.Min(bw - 1, (int)Math.Floor((xs + 0.5) * bw / size)), crop.Classes![y * size + x]);
                Assert.Equal(top + Math.Min(bh - 1, (int)Math.Floor((y + 0.5) * bh / size)) + 100, crop.Depth![y * size + x]);
            }
    }

    [Fact]
    public void FlippedCropIsTheMirrorOfTheUnflippedOne()
    {
        var e = new SceneGenerator(48, 64).Generate(Split.Train, 3).Example;
        var box = new CropBox(4, 9, 37, 41);
        var a = Augment.CropResize(e, box, 29, false);
        var b = Augment.CropResize(e, box, 29, true);
        for (int y = 0; y < 29; y++)
            for (int x = 0; x < 29; x++)
            {
                for (int c = 0; c < 3; c++) Assert.Equal(a.Image[y, x, c], b.Image[y, 28 - x, c]);
                Assert.Equal(a.Classes![y * 29 + x], b.Classes![y * 29 + 28 - x]);
                Assert.Equal(a.Depth![y * 29 + x], b.Depth![y * 29 + 28 - x]);
            }
    }

    [Fact]
    public void FlipMirrorsTheSceneAndItsCaptionTogether()
    {
        const int h = 56, w = 56;
        var gen = new SceneGenerator(h, w, 2, 3);
        var always = new AugmentOptions(new CropOptions(w, 1, 1, 1, 1), new CropOptions(16, 0.1, 0.2), 1, FlipProbability: 1);
        int leftRight = 0;
        for (ulong seed = 0; seed < 40; seed++)
        {
            var scene = gen.Generate(seed);
            var rng = new DataRng(seed);
            var views = Augment.Apply(scene.Example, always, ref rng);
            Assert.True(views.Global.Flipped);
            Assert.Equal(new CropBox(0, 0, h, w), views.Global.Box);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    Assert.Equal(scene.Example.Classes![y * w + x], views.Global.Classes![y * w + w - 1 - x]);
            Assert.Equal(scene.Example.WebCaption, views.WebCaption);
            foreach (var o in scene.Objects)
            {
                // In the mirrored image the object's centre is at w - cx.
                double cx = w - o.CenterX;
                string hWord = cx < w / 3.0 ? "left" : cx > 2 * w / 3.0 ? "right" : "";
                if (hWord == "") continue;
                leftRight++;
                string v = o.CenterY < h / 3.0 ? "at the top " : o.CenterY > 2 * h / 3.0 ? "at the bottom " : "on the ";
                Assert.Contains($"{o.Name} {v}{hWord}", views.SyntheticCaption);
            }
            Assert.Equal(scene.Example.SyntheticCaption, CaptionFlip.FlipLeftRight(views.SyntheticCaption));
        }
        Assert.True(leftRight > 20);
    }

    [Fact]
    public void NoFlipKeepsCaptionsAndRandomBoxesRespectTheirRanges()
    {
        var options = new CropOptions(8, 0.2, 0.5, 0.5, 2.0);
        var rng = new DataRng(42);
        for (int i = 0; i < 2000; i++)
        {
            var box = Augment.SampleBox(60, 90, options, ref rng);
            Assert.True(box.Top >= 0 && box.Left >= 0 && box.Top + box.Height <= 60 && box.Left + box.Width <= 90, $"{box}");
            double scale = (double)box.Height * box.Width / (60 * 90), aspect = (double)box.Width / box.Height;
            // Rounding the sides to whole pixels moves area and aspect a little.
            Assert.InRange(scale, 0.2 * 0.93, 0.5 * 1.07);
            Assert.InRange(aspect, 0.5 * 0.93, 2.0 * 1.07);
        }
        var e = new SceneGenerator(32, 32).Generate(Split.Train, 1).Example;
        var never = AugmentOptions.Default(24, 12, 3) with { FlipProbability = 0 };
        var views = Augment.Apply(e, never, ref rng);
        Assert.Equal(3, views.Locals.Length);
        Assert.All(views.Locals, l => Assert.Equal((12, false), (l.Image.Height, l.Flipped)));
        Assert.Equal(e.SyntheticCaption, views.SyntheticCaption);
    }

    [Fact]
    public void ImpossibleBoxFallsBackToTheCentredLargestBox()
    {
        var rng = new DataRng(5);
        // A square of 90-100% of a 20x40 image cannot fit: fall back to the centred 20x20 box.
        Assert.Equal(new CropBox(0, 10, 20, 20), Augment.SampleBox(20, 40, new CropOptions(8, 0.9, 1.0, 1, 1), ref rng));
    }

    [Fact]
    public void SameRngSeedGivesSameViews()
    {
        var e = new SceneGenerator(40, 40).Generate(Split.Train, 9).Example;
        var options = AugmentOptions.Default(32, 16, 4);
        var r1 = new DataRng(77);
        var r2 = new DataRng(77);
        var a = Augment.Apply(e, options, ref r1);
        var b = Augment.Apply(e, options, ref r2);
        Assert.Equal(a.Global.Image.Pixels, b.Global.Image.Pixels);
        Assert.Equal(a.Locals.Select(l => l.Box), b.Locals.Select(l => l.Box));
        var r3 = new DataRng(78);
        Assert.NotEqual(a.Locals.Select(l => l.Box), Augment.Apply(e, options, ref r3).Locals.Select(l => l.Box));
    }

    [Fact]
    public void BadCropsAreRejected()
    {
        var e = Gradient(10, 10);
        Assert.Throws<TipsException>(() => Augment.CropResize(e, new CropBox(5, 0, 6, 4), 4, false));
        Assert.Throws<TipsException>(() => Augment.CropResize(e, new CropBox(0, 0, 0, 4), 4, false));
        Assert.Throws<TipsException>(() => Augment.CropResize(e, new CropBox(0, 0, 4, 4), 0, false));
        var rng = new DataRng(1);
        Assert.Throws<TipsException>(() => Augment.Apply(e, AugmentOptions.Default(8, 4) with { Local = new CropOptions(4, 0.5, 0.2) }, ref rng));
        Assert.Throws<TipsException>(() => Augment.Apply(e, AugmentOptions.Default(8, 4) with { FlipProbability = 1.5 }, ref rng));
        Assert.Throws<TipsException>(() => Augment.Apply(e, AugmentOptions.Default(8, 4, -1), ref rng));
    }
}
