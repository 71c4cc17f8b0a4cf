using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using Tips.Model;
using Tips.Model.Images;

namespace Tips.Tests.Images;

public sealed class ImageLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tips-img-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] data)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    private static void AssertPixels(RgbImage img, int h, int w, Func<int, int, int, byte> expected)
    {
        Assert.Equal(h, img.Height);
        Assert.Equal(w, img.Width);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    Assert.True(expected(y, x, c) / 255f == img[y, x, c], $"pixel ({y},{x},{c}): expected {expected(y, x, c)}/255, got {img[y, x, c] * 255}");
    }

    [Theory]
    [InlineData("img_56x56.png", 56, 56)]
    [InlineData("img_42x70.png", 42, 70)]
    public void FixtureImagesMatchAnIndependentPngDecode(string name, int h, int w)
    {
        string path = Path.Combine(Paths.Tiny, "images", name);
        var (ph, pw, channels, data) = TestPng.Decode(File.ReadAllBytes(path));
        Assert.Equal((h, w, 3), (ph, pw, channels));
        Assert.True(data.Distinct().Count() > 50, "fixture should not be flat");
        AssertPixels(ImageLoader.Load(path), h, w, (y, x, c) => data[(y * w + x) * 3 + c]);
    }

    private static Image<Rgb24> RandomImage(int w, int h, int seed, int palette = 0)
    {
        var rng = new Random(seed);
        var colours = Enumerable.Range(0, palette).Select(_ => new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256))).ToArray();
        var img = new Image<Rgb24>(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                img[x, y] = palette > 0 ? colours[rng.Next(palette)] : new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
        return img;
    }

    private static byte Channel(Rgb24 p, int c) => c == 0 ? p.R : c == 1 ? p.G : p.B;

    [Theory]
    [InlineData("png")]
    [InlineData("bmp")]
    [InlineData("webp")]
    [InlineData("gif")]
    public void LosslessFormatsRoundTripExactly(string format)
    {
        // A small palette keeps GIF lossless.
        using var src = RandomImage(13, 7, seed: 5, palette: format == "gif" ? 12 : 0);
        var ms = new MemoryStream();
        switch (format)
        {
            case "png": src.SaveAsPng(ms); break;
            case "bmp": src.Save(ms, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 }); break;
            case "webp": src.Save(ms, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }); break;
            default: src.SaveAsGif(ms); break;
        }
        var img = ImageLoader.Load(Write("x." + format, ms.ToArray()));
        AssertPixels(img, 7, 13, (y, x, c) => Channel(src[x, y], c));
    }

    [Fact]
    public void JpegDecodesCloseToTheSource()
    {
        using var src = new Image<Rgb24>(32, 16);
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 32; x++)
                src[x, y] = new Rgb24((byte)(x * 8), (byte)(y * 16), 128);
        var ms = new MemoryStream();
        src.SaveAsJpeg(ms, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 95 });
        var img = ImageLoader.Load(Write("x.jpg", ms.ToArray()));
        Assert.Equal((16, 32), (img.Height, img.Width));
        double maxErr = 0;
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 32; x++)
                for (int c = 0; c < 3; c++)
                    maxErr = Math.Max(maxErr, Math.Abs(img[y, x, c] * 255 - Channel(src[x, y], c)));
        Assert.InRange(maxErr, 0, 12);
    }

    [Fact]
    public void GreyscaleIsExpandedAndAlphaCompositedOnWhite()
    {
        var grey = new byte[] { 0, 17, 128, 200, 255, 99 };
        AssertPixels(ImageLoader.Load(Write("g.png", TestPng.Encode(3, 2, 1, grey))), 2, 3, (y, x, c) => grey[y * 3 + x]);

        var rng = new Random(3);
        var rgba = new byte[4 * 5 * 4];
        rng.NextBytes(rgba);
        byte[] alphas = [0, 255, 128, 1, 254, 37];
        for (int i = 0; i < 20; i++) rgba[i * 4 + 3] = alphas[i % alphas.Length];
        static byte Over(byte c, byte a) => (byte)Math.Round(c * (a / 255.0) + 255 * (1 - a / 255.0));
        AssertPixels(ImageLoader.Load(Write("a.png", TestPng.Encode(5, 4, 4, rgba))), 4, 5,
            (y, x, c) => Over(rgba[(y * 5 + x) * 4 + c], rgba[(y * 5 + x) * 4 + 3]));

        var la = new byte[] { 10, 0, 10, 255, 200, 100 };
        AssertPixels(ImageLoader.Load(Write("la.png", TestPng.Encode(3, 1, 2, la))), 1, 3,
            (y, x, c) => Over(la[x * 2], la[x * 2 + 1]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void ExifOrientationIsApplied(int orientation)
    {
        const int h = 2, w = 3;
        using var src = RandomImage(w, h, seed: 11);
        src.Metadata.ExifProfile = new ExifProfile();
        src.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)orientation);
        var ms = new MemoryStream();
        src.Save(ms, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless });
        var img = ImageLoader.Load(Write("o.webp", ms.ToArray()));
        // Display transform of each EXIF orientation: output (y, x) reads input (row, column).
        bool swap = orientation >= 5;
        (int Row, int Col) Source(int y, int x) => orientation switch
        {
            1 => (y, x),
            2 => (y, w - 1 - x),
            3 => (h - 1 - y, w - 1 - x),
            4 => (h - 1 - y, x),
            5 => (x, y),
            6 => (h - 1 - x, y),
            7 => (h - 1 - x, w - 1 - y),
            _ => (x, w - 1 - y),
        };
        AssertPixels(img, swap ? w : h, swap ? h : w, (y, x, c) =>
        {
            var (row, col) = Source(y, x);
            return Channel(src[col, row], c);
        });
    }

    [Fact]
    public void AnimatedGifGivesItsFirstFrame()
    {
        using var gif = new Image<Rgb24>(4, 3, new Rgb24(255, 0, 0));
        using var second = new Image<Rgb24>(4, 3, new Rgb24(0, 0, 255));
        gif.Frames.AddFrame(second.Frames.RootFrame);
        Assert.Equal(2, gif.Frames.Count);
        var ms = new MemoryStream();
        gif.SaveAsGif(ms);
        AssertPixels(ImageLoader.Load(Write("anim.gif", ms.ToArray())), 3, 4, (y, x, c) => (byte)(c == 0 ? 255 : 0));
    }

    [Fact]
    public void JpegExifOrientationIsApplied()
    {
        // 8 high x 16 wide, left half black; orientation 6 (rotate 90 clockwise) puts the black half on top.
        using var src = new Image<Rgb24>(16, 8);
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 16; x++)
                src[x, y] = x < 8 ? new Rgb24(0, 0, 0) : new Rgb24(255, 255, 255);
        src.Metadata.ExifProfile = new ExifProfile();
        src.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        var ms = new MemoryStream();
        src.SaveAsJpeg(ms, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 100 });
        var img = ImageLoader.Load(Write("o.jpg", ms.ToArray()));
        Assert.Equal((16, 8), (img.Height, img.Width));
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 8; x++)
                // Away from the edge, where JPEG ringing stays small.
                if (y is < 6 or > 9)
                    Assert.True(Math.Abs(img[y, x, 0] - (y < 8 ? 0 : 1)) < 0.1, $"pixel ({y},{x}) = {img[y, x, 0]}");
    }

    [Fact]
    public void OversizedImageIsRefusedBeforeDecoding()
    {
        // The header claims 100000 x 100000; the data holds one pixel. Decoding would fail differently (or allocate 40 GB).
        var png = TestPng.Encode(1, 1, 3, [1, 2, 3], declaredWidth: 100_000, declaredHeight: 100_000);
        var e = Assert.Throws<TipsException>(() => ImageLoader.Load(Write("huge.png", png)));
        Assert.Contains("100000x100000", e.Message);
        Assert.Contains("exceeds the limit of 64000000", e.Message);

        string fixture = Path.Combine(Paths.Tiny, "images", "img_56x56.png");
        Assert.Throws<TipsException>(() => ImageLoader.Load(fixture, maxPixels: 56 * 56 - 1));
        Assert.Equal(56, ImageLoader.Load(fixture, maxPixels: 56 * 56).Height);
    }

    [Fact]
    public void HeaderClaimingFarMorePixelsThanTheFileCanHoldIsRefused()
    {
        // A flat 2048 x 1024 PNG compresses to a few KiB (~300 pixels per byte) and must load; the same header
        // over a single pixel's data claims ~30000 pixels per byte and must not turn into a 24 MiB buffer.
        using var flat = new Image<Rgb24>(2048, 1024, new Rgb24(200, 120, 40));
        using var ms = new MemoryStream();
        flat.SaveAsPng(ms);
        Assert.Equal(2048, ImageLoader.Load(Write("flat.png", ms.ToArray())).Width);

        var bomb = TestPng.Encode(1, 1, 3, [1, 2, 3], declaredWidth: 2048, declaredHeight: 1024);
        var e = Assert.Throws<TipsException>(() => ImageLoader.Load(Write("bomb.png", bomb)));
        Assert.Contains("2048x1024 pixels from a", e.Message);
    }

    [Fact]
    public void CorruptTruncatedAndUnknownFilesAreOneLineTipsExceptions()
    {
        var png = File.ReadAllBytes(Path.Combine(Paths.Tiny, "images", "img_56x56.png"));
        using var src = RandomImage(40, 30, seed: 9);
        var jpg = new MemoryStream();
        src.SaveAsJpeg(jpg);
        var rng = new Random(4);
        var noise = new byte[500];
        rng.NextBytes(noise);
        var cases = new Dictionary<string, byte[]>
        {
            ["empty"] = [],
            ["text"] = "hello, not an image\n"u8.ToArray(),
            ["noise"] = noise,
            ["png-signature-only"] = png[..8],
            ["png-in-header"] = png[..20],
            ["png-half"] = png[..(png.Length / 2)],
            ["jpg-header-only"] = jpg.ToArray()[..100],
        };
        foreach (var (name, data) in cases)
        {
            string path = Write(name + ".img", data);
            var e = Assert.Throws<TipsException>(() => ImageLoader.Load(path));
            Assert.Contains(path, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        var missing = Assert.Throws<TipsException>(() => ImageLoader.Load(Path.Combine(_dir, "absent.png")));
        Assert.Contains("absent.png", missing.Message);
    }

    private static byte[] Encoded(string format, int seed)
    {
        using var src = RandomImage(24, 16, seed, palette: format == "gif" ? 8 : 0);
        var ms = new MemoryStream();
        switch (format)
        {
            case "png": src.SaveAsPng(ms); break;
            case "jpg": src.SaveAsJpeg(ms); break;
            case "bmp": src.SaveAsBmp(ms); break;
            case "webp": src.SaveAsWebp(ms); break;
            default: src.SaveAsGif(ms); break;
        }
        return ms.ToArray();
    }

    [Theory]
    [InlineData("png")]
    [InlineData("jpg")]
    [InlineData("bmp")]
    [InlineData("webp")]
    [InlineData("gif")]
    public void TruncatedFilesAreRefused(string format)
    {
        // ImageSharp alone decodes most of these without error, filling the missing part with black.
        var data = Encoded(format, seed: 1);
        Assert.Equal(16, ImageLoader.Decode(data, "whole").Height);
        foreach (double fraction in new[] { 0.2, 0.5, 0.8, 0.97 })
        {
            int n = (int)(data.Length * fraction);
            var e = Assert.Throws<TipsException>(() => ImageLoader.Decode(data[..n], $"cut{n}"));
            Assert.StartsWith($"cut{n}:", e.Message);
        }
    }

    [Fact]
    public void MutatedFilesFailOnlyWithTipsException()
    {
        var rng = new Random(8);
        int decoded = 0, refused = 0;
        foreach (var format in new[] { "png", "jpg", "bmp", "webp", "gif" })
        {
            var original = Encoded(format, seed: 2);
            for (int i = 0; i < 120; i++)
            {
                var data = (byte[])original.Clone();
                // Headers matter most: aim half the flips at the first 64 bytes.
                for (int k = rng.Next(1, 5); k > 0; k--) data[rng.Next(rng.Next(2) == 0 ? Math.Min(64, data.Length) : data.Length)] = (byte)rng.Next(256);
                try
                {
                    // A small pixel limit keeps mutated sizes from making the test slow.
                    var img = ImageLoader.Decode(data, "mutant", maxPixels: 4096);
                    Assert.All(img.Pixels, v => Assert.InRange(v, 0f, 1f));
                    decoded++;
                }
                catch (TipsException e)
                {
                    Assert.DoesNotContain('\n', e.Message);
                    refused++;
                }
            }
        }
        Assert.True(decoded > 20 && refused > 20, $"decoded {decoded}, refused {refused}");
    }
}
