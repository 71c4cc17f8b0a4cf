using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using Tips.Model.Images;

namespace Tips.Tests.Photos;

/// <summary>ImageLoader on real photographs against netpbm's decoders (libpng and libjpeg-turbo).</summary>
public class PhotoLoaderTests
{
    /// <summary>PNG is lossless: every pixel must equal libpng's, greyscale expanded and alpha composited on white
    /// (c a + 255 (255 - a), rounded, / 255).</summary>
    [Theory]
    [InlineData("astronaut.png")]
    [InlineData("chelsea.png")]
    [InlineData("coffee.png")]
    [InlineData("camera.png")]
    [InlineData("logo.png")]
    [InlineData("horse.png")]
    [InlineData("palette_color.png")]
    public void PngPixelsEqualLibpng(string name)
    {
        var img = ImageLoader.Load(Photos.Path(name));
        var (h, w, depth, samples) = Photos.NetpbmDecode(Photos.Path(name));
        Assert.Equal((h, w), (img.Height, img.Width));
        bool grey = depth <= 2, alpha = depth is 2 or 4;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int o = (y * w + x) * depth;
                int a = alpha ? samples[o + depth - 1] : 255;
                for (int c = 0; c < 3; c++)
                {
                    int v = samples[o + (grey ? 0 : c)];
                    int expected = (v * a + 255 * (255 - a) + 127) / 255;
                    if (img[y, x, c] != expected / 255f)
                        Assert.Fail($"{name} pixel ({y},{x},{c}): libpng {expected}/255 (a {a}), ImageLoader {img[y, x, c] * 255}/255");
                }
            }
        if (h * w >= 10_000) Assert.True(img.Pixels.Distinct().Count() > 50, $"{name}: too few distinct values for a photograph");
    }

    /// <summary>JPEG decoders may differ by rounding of the IDCT and chroma upsampling, not by more.</summary>
    [Theory]
    [InlineData("rocket.jpg")]
    [InlineData("hubble_deep_field.jpg")]
    public void JpegPixelsMatchLibjpeg(string name)
    {
        var img = ImageLoader.Load(Photos.Path(name));
        var (h, w, depth, samples) = Photos.NetpbmDecode(Photos.Path(name));
        Assert.Equal(3, depth);
        Assert.Equal((h, w), (img.Height, img.Width));
        double sum = 0;
        int max = 0;
        for (int i = 0; i < samples.Length; i++)
        {
            int d = Math.Abs(samples[i] - (int)Math.Round(img.Pixels[i] * 255));
            sum += d;
            max = Math.Max(max, d);
        }
        double mean = sum / samples.Length;
        // Measured: mean 0.03, max 3 (97% of samples identical).
        Assert.True(mean <= 0.25 && max <= 8, $"{name}: mean |libjpeg - ImageLoader| = {mean:F3}, max {max} (of 255)");
    }

    /// <summary>A JPEG photograph tagged with EXIF orientation 6 loads as the untagged one rotated 90 degrees clockwise
    /// (the same encoder on the same pixels gives the same scan data, so the comparison is exact).</summary>
    [Fact]
    public void ExifOrientedJpegPhotoIsRotated()
    {
        var dir = Directory.CreateTempSubdirectory("tips-exif-").FullName;
        try
        {
            var (plain, rotated) = ExifPair(dir, "chelsea.png");
            var upright = ImageLoader.Load(plain);
            var turned = ImageLoader.Load(rotated);
            Assert.Equal((upright.Width, upright.Height), (turned.Height, turned.Width));
            for (int y = 0; y < turned.Height; y++)
                for (int x = 0; x < turned.Width; x++)
                    for (int c = 0; c < 3; c++)
                        if (turned[y, x, c] != upright[upright.Height - 1 - x, y, c])
                            Assert.Fail($"pixel ({y},{x},{c}) is not the clockwise rotation of the upright photograph");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The photograph <paramref name="name"/> as JPEG twice in <paramref name="dir"/>: plain.jpg, and
    /// oriented.jpg holding the same pixels with EXIF orientation 6 (display rotated 90 degrees clockwise).</summary>
    public static (string Plain, string Oriented) ExifPair(string dir, string name)
    {
        using var photo = Image.Load<Rgb24>(Photos.Path(name));
        var encoder = new JpegEncoder { Quality = 90 };
        string plain = Path.Combine(dir, "plain.jpg"), oriented = Path.Combine(dir, "oriented.jpg");
        photo.SaveAsJpeg(plain, encoder);
        photo.Metadata.ExifProfile = new ExifProfile();
        photo.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        photo.SaveAsJpeg(oriented, encoder);
        return (plain, oriented);
    }
}
