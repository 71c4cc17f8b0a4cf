using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Tips.Model.Images;

/// <summary>
/// Decodes PNG, JPEG, BMP, GIF (first frame), WebP (and the other formats ImageSharp 2 knows) into an
/// <see cref="RgbImage"/>: EXIF orientation applied, greyscale expanded, alpha composited on white.
/// </summary>
public static class ImageLoader
{
    public const long DefaultMaxPixels = 64_000_000;

    /// <summary>
    /// Pixels an encoded byte may stand for beyond <see cref="FreePixels"/>. Photographs carry 1-20 pixels per
    /// byte; deflate tops out near 1032:1, so even a flat 8-bit PNG stays under ~1000. A header that claims more
    /// than this is a truncated or doctored file (decoders pad the missing part) or a decompression bomb.
    /// </summary>
    public const long MaxPixelsPerByte = 1024;

    /// <summary>Images up to this many pixels are decoded whatever their file size (12 MiB as floats).</summary>
    public const long FreePixels = 1 << 20;

    public static RgbImage Load(string path, long maxPixels = DefaultMaxPixels)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TipsException($"cannot read image {path}: {OneLine(e.Message)}");
        }
        return Decode(data, path, maxPixels);
    }

    /// <summary>Decodes an encoded image held in memory; <paramref name="what"/> names it in errors.</summary>
    public static RgbImage Decode(byte[] data, string what, long maxPixels = DefaultMaxPixels)
    {
        // The header alone gives the size: refuse big images before any pixel buffer exists.
        SixLabors.ImageSharp.Formats.IImageFormat? format = null;
        var info = Guard(what, () => Image.Identify(data, out format))
            ?? throw new TipsException($"{what}: not an image in a supported format (PNG, JPEG, BMP, GIF, WebP, TIFF, TGA, PBM)");
        long pixels = (long)info.Width * info.Height;
        if (info.Width <= 0 || info.Height <= 0) throw new TipsException($"{what}: invalid image size {info.Width}x{info.Height}");
        // The (H, W, 3) float array must also fit in one .NET array, whatever limit the caller passed.
        maxPixels = Math.Min(maxPixels, Array.MaxLength / 3);
        if (pixels > maxPixels) throw new TipsException($"{what}: {info.Width}x{info.Height} = {pixels} pixels exceeds the limit of {maxPixels}");
        if (pixels > FreePixels && pixels > MaxPixelsPerByte * data.Length)
            throw new TipsException($"{what}: {info.Width}x{info.Height} pixels from a {data.Length}-byte file (more than {MaxPixelsPerByte} pixels per byte): truncated, corrupt or a decompression bomb");
        EncodedImageCheck.EnsureComplete(data, format!, what);

        using var image = Guard(what, () =>
        {
            // Only the first frame of an animation: a frame count times the pixel limit could exhaust memory.
            var img = format switch
            {
                GifFormat => Image.Load<Rgba32>(data, new GifDecoder { DecodingMode = FrameDecodingMode.First }),
                TiffFormat => Image.Load<Rgba32>(data, new TiffDecoder { DecodingMode = FrameDecodingMode.First }),
                _ => Image.Load<Rgba32>(data),
            };
            img.Mutate(x => x.AutoOrient());
            return img;
        });
        if ((long)image.Width * image.Height > maxPixels) throw new TipsException($"{what}: decoded size {image.Width}x{image.Height} exceeds the limit of {maxPixels} pixels");

        int h = image.Height, w = image.Width;
        var result = new float[(long)h * w * 3];
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < h; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < w; x++)
                {
                    var p = row[x];
                    int o = (y * w + x) * 3;
                    result[o] = Composite(p.R, p.A);
                    result[o + 1] = Composite(p.G, p.A);
                    result[o + 2] = Composite(p.B, p.A);
                }
            }
        });
        return new RgbImage(h, w, result);
    }

    /// <summary>
    /// c over opaque white, c * a/255 + 255 * (1 - a/255), rounded to the nearest byte so that every loaded
    /// value stays an exact byte / 255 (opaque pixels are unchanged).
    /// </summary>
    internal static float Composite(byte c, byte a) => ((c * a + 255 * (255 - a) + 127) / 255) / 255f;

    private static T Guard<T>(string what, Func<T> decode)
    {
        try
        {
            return decode();
        }
        // Decoders of corrupt or truncated files throw assorted exception types; all mean a bad file.
        catch (Exception e) when (e is not TipsException and not OutOfMemoryException)
        {
            throw new TipsException($"{what}: cannot decode image ({e.GetType().Name}: {OneLine(e.Message)})");
        }
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");
}
