using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Tips.Model.Checkpoints;

namespace Tips.Model.Images;

/// <summary>Writes PNGs through a temporary file and a rename (<see cref="AtomicFile"/>).</summary>
public static class PngWriter
{
    /// <summary>An RGB image with values in [0, 1] (clamped), rounded to bytes.</summary>
    public static void WriteRgb(string path, RgbImage image)
    {
        using var png = new Image<Rgb24>(image.Width, image.Height);
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                png[x, y] = new Rgb24(ToByte(image[y, x, 0]), ToByte(image[y, x, 1]), ToByte(image[y, x, 2]));
        AtomicFile.Write(path, s => png.SaveAsPng(s));
    }

    /// <summary>An 8-bit greyscale PNG of values 0..255 (H, W) row-major, e.g. a label map of class indices.</summary>
    public static void WriteGray(string path, int[] values, int height, int width)
    {
        if (values.Length != height * width) throw new TipsException($"{path}: {values.Length} values for a {height}x{width} image");
        using var png = new Image<L8>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int v = values[y * width + x];
                if (v is < 0 or > 255) throw new TipsException($"{path}: value {v} does not fit an 8-bit PNG");
                png[x, y] = new L8((byte)v);
            }
        AtomicFile.Write(path, s => png.SaveAsPng(s));
    }

    private static byte ToByte(float v) => (byte)Math.Round(Math.Clamp(v, 0f, 1f) * 255f);
}
