using Tips.Model;
using Tips.Model.Images;

namespace Tips.Tests.Images;

/// <summary>Resize against a direct 2-D float64 evaluation of PIL's resampling formula (no shared code).</summary>
public class ResizeTests
{
    private static double Filter(ResizeFilter f, double x)
    {
        x = Math.Abs(x);
        if (f == ResizeFilter.Bilinear) return Math.Max(0, 1 - x);
        // Keys cubic with a = -0.5.
        return x < 1 ? 1.5 * x * x * x - 2.5 * x * x + 1 : x < 2 ? -0.5 * x * x * x + 2.5 * x * x - 4 * x + 2 : 0;
    }

    /// <summary>Dense (m, n) weight matrix of one axis.</summary>
    private static double[,] Matrix(int n, int m, ResizeFilter f)
    {
        double scale = (double)n / m, stretch = Math.Max(scale, 1), support = (f == ResizeFilter.Bilinear ? 1 : 2) * stretch;
        var w = new double[m, n];
        for (int i = 0; i < m; i++)
        {
            double center = scale * (i + 0.5), sum = 0;
            for (int j = 0; j < n; j++)
                if (j >= Math.Floor(center - support + 0.5) && j < Math.Floor(center + support + 0.5))
                {
                    w[i, j] = Filter(f, (j - center + 0.5) / stretch);
                    sum += w[i, j];
                }
            for (int j = 0; j < n; j++) w[i, j] /= sum;
        }
        return w;
    }

    private static double[] Reference(float[] src, int h, int w, int ch, int oh, int ow, ResizeFilter f)
    {
        var wy = Matrix(h, oh, f);
        var wx = Matrix(w, ow, f);
        var o = new double[oh * ow * ch];
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
                for (int c = 0; c < ch; c++)
                {
                    double s = 0;
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++)
                            s += wy[i, y] * wx[j, x] * src[(y * w + x) * ch + c];
                    o[(i * ow + j) * ch + c] = s;
                }
        return o;
    }

    private static float[] RandomPixels(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
    }

    [Theory]
    [InlineData(56, 56, 28, 28, ResizeFilter.Bilinear)]
    [InlineData(42, 70, 56, 56, ResizeFilter.Bilinear)]
    [InlineData(7, 5, 3, 11, ResizeFilter.Bilinear)]
    [InlineData(13, 17, 5, 4, ResizeFilter.Bilinear)]
    [InlineData(3, 4, 9, 10, ResizeFilter.Bilinear)]
    [InlineData(10, 10, 10, 3, ResizeFilter.Bilinear)]
    [InlineData(20, 1, 1, 6, ResizeFilter.Bilinear)]
    [InlineData(9, 13, 4, 20, ResizeFilter.Bicubic)]
    [InlineData(5, 5, 12, 3, ResizeFilter.Bicubic)]
    [InlineData(31, 8, 7, 8, ResizeFilter.Bicubic)]
    public void MatchesTheFloat64Formula(int h, int w, int oh, int ow, ResizeFilter f)
    {
        var src = RandomPixels(h * w * 3, seed: h * 100 + w);
        var img = ImagePreprocess.Resize(new RgbImage(h, w, src), oh, ow, f);
        Assert.Equal((oh, ow), (img.Height, img.Width));
        var expected = Reference(src, h, w, 3, oh, ow, f);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(img.Pixels[i] - expected[i]) <= 1e-6 + 1e-6 * Math.Abs(expected[i]), $"element {i}: expected {expected[i]}, got {img.Pixels[i]}");
    }

    [Fact]
    public void ManyChannelsResizeLikeThreeChannels()
    {
        // Position tables (D channels) use the same routine.
        var src = RandomPixels(4 * 4 * 5, seed: 1);
        var got = ImagePreprocess.Resize(src, 4, 4, 5, 3, 6);
        var expected = Reference(src, 4, 4, 5, 3, 6, ResizeFilter.Bilinear);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(got[i] - expected[i]) <= 1e-6, $"element {i}");
    }

    [Fact]
    public void HandComputedValues()
    {
        // Down by 2: the triangle widens to half-width 2, taps (0.75, 0.75, 0.25) clipped at the edge, so
        // output 0 = (0*0.75 + 1*0.75 + 2*0.25) / 1.75. Up by 2: plain bilinear with clamped edges.
        var down = ImagePreprocess.Resize([0f, 1f, 2f, 3f], 1, 4, 1, 1, 2);
        Assert.Equal(5.0 / 7, down[0], 6);
        Assert.Equal(16.0 / 7, down[1], 6);
        Assert.Equal([0f, 0.25f, 0.75f, 1f], ImagePreprocess.Resize([0f, 1f], 1, 2, 1, 1, 4));
        var k = new ResampleWeights(5, 2, ResizeFilter.Bilinear);
        // Output 0: center 1.25, support 2.5 -> inputs [max(floor(-0.75), 0), floor(4.25)) = 0..3,
        // weights 1 - |j + 0.5 - 1.25| / 2.5.
        Assert.Equal(0, k.Start[0]);
        Assert.Equal(4, k.Count[0]);
        double[] raw = [0.7, 0.9, 0.5, 0.1];
        for (int t = 0; t < 4; t++) Assert.Equal(raw[t] / raw.Sum(), k.Weights[t], 15);
    }

    [Fact]
    public void PreprocessSquashesAndKeepsTargetSizeImages()
    {
        var fixture = ImageLoader.Load(Path.Combine(Paths.Tiny, "images", "img_42x70.png"));
        Assert.Same(fixture, ImagePreprocess.Preprocess(fixture, 42, 70));
        var squashed = ImagePreprocess.Preprocess(fixture, 56, 56);
        Assert.Equal((56, 56), (squashed.Height, squashed.Width));
        var expected = Reference(fixture.Pixels, 42, 70, 3, 56, 56, ResizeFilter.Bilinear);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(squashed.Pixels[i] - expected[i]) <= 1e-6, $"element {i}");
    }

    [Fact]
    public void BadSizesAreTipsExceptions()
    {
        var img = new RgbImage(2, 2, RandomPixels(12, 2));
        Assert.Throws<TipsException>(() => ImagePreprocess.Resize(img, 0, 3));
        Assert.Throws<TipsException>(() => ImagePreprocess.Resize(new float[5], 2, 2, 1, 3, 3));
        Assert.Throws<TipsException>(() => new RgbImage(2, 3, new float[12]));
        Assert.Throws<TipsException>(() => ImagePreprocess.Resize(img, 100_000, 100_000));
    }
}
