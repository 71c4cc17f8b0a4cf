using Tips.Model;
using Tips.Model.Images;

namespace Tips.Train.Cli;

/// <summary>A segmentation drawn over its image (half-transparent class colours) with a legend panel on the right.</summary>
internal static class Overlay
{
    private const float Alpha = 0.5f;
    private const int Margin = 6;

    private static readonly (float R, float G, float B)[] Palette =
    [
        (0.90f, 0.10f, 0.29f), (0.24f, 0.71f, 0.29f), (1.00f, 0.88f, 0.10f), (0.26f, 0.39f, 0.85f), (0.96f, 0.51f, 0.19f),
        (0.57f, 0.12f, 0.71f), (0.27f, 0.94f, 0.94f), (0.94f, 0.20f, 0.90f), (0.74f, 0.96f, 0.05f), (0.98f, 0.75f, 0.83f),
        (0.00f, 0.50f, 0.50f), (0.86f, 0.75f, 1.00f), (0.60f, 0.39f, 0.14f), (1.00f, 0.98f, 0.78f), (0.50f, 0.00f, 0.00f),
        (0.67f, 1.00f, 0.76f), (0.50f, 0.50f, 0.00f), (1.00f, 0.85f, 0.69f), (0.00f, 0.00f, 0.46f), (0.50f, 0.50f, 0.50f),
    ];

    /// <summary>Colour of class <paramref name="c"/>: a fixed palette, then hues spaced by the golden ratio.</summary>
    public static (float R, float G, float B) Color(int c)
    {
        if (c < Palette.Length) return Palette[c];
        double h = (c * 0.618033988749895) % 1.0 * 6;
        float f = (float)(h - Math.Floor(h)), q = 1 - f;
        return ((int)h) switch
        {
            0 => (1, f, 0), 1 => (q, 1, 0), 2 => (0, 1, f), 3 => (0, q, 1), 4 => (f, 0, 1), _ => (1, 0, q),
        };
    }

    public static RgbImage Draw(RgbImage image, SegmentationResult seg)
    {
        int scale = image.Height >= 160 ? 2 : 1;
        int box = BitmapFont.GlyphHeight * scale + 2, line = box + 4;
        int panel = Margin * 3 + box + seg.Classes.Select(l => BitmapFont.Measure(l, scale)).DefaultIfEmpty(0).Max();
        int height = Math.Max(image.Height, Margin * 2 + line * seg.Classes.Count);
        int width = image.Width + panel;
        var pixels = new float[height * width * 3];
        Array.Fill(pixels, 1f);
        var result = new RgbImage(height, width, pixels);
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                var (r, g, b) = Color(seg.Labels[y * image.Width + x]);
                BitmapFont.Set(result, y, x, (
                    (1 - Alpha) * image[y, x, 0] + Alpha * r,
                    (1 - Alpha) * image[y, x, 1] + Alpha * g,
                    (1 - Alpha) * image[y, x, 2] + Alpha * b));
            }
        for (int c = 0; c < seg.Classes.Count; c++)
        {
            int top = Margin + c * line, left = image.Width + Margin;
            for (int y = 0; y < box; y++)
                for (int x = 0; x < box; x++) BitmapFont.Set(result, top + y, left + x, Color(c));
            BitmapFont.Draw(result, seg.Classes[c], top + 1, left + box + Margin, scale, (0, 0, 0));
        }
        return result;
    }
}
