using Tips.Model;
using Tips.Model.Images;
using Tips.Train.Cli;

namespace Tips.Train.Eval;

/// <summary>The demo's pictures: panels side by side, each enlarged by nearest neighbour and captioned.</summary>
internal static class Figures
{
    private const int Gap = 4, FontScale = 2, Caption = BitmapFont.GlyphHeight * FontScale + 6;

    /// <summary>Class map as colours: 0 (background) dark grey, class c the segment overlay's colour c - 1 + offset.</summary>
    public static RgbImage Colorize(int[] labels, int height, int width, int offset)
    {
        var pixels = new float[height * width * 3];
        for (int i = 0; i < labels.Length; i++)
        {
            var (r, g, b) = labels[i] + offset <= 0 ? (0.15f, 0.15f, 0.15f) : Overlay.Color(labels[i] + offset - 1);
            (pixels[i * 3], pixels[i * 3 + 1], pixels[i * 3 + 2]) = (r, g, b);
        }
        return new RgbImage(height, width, pixels);
    }

    /// <summary>The panels (same size) enlarged <paramref name="scale"/> times, left to right, titles above, optional legend below.</summary>
    public static RgbImage Panels(IReadOnlyList<(RgbImage Image, string Title)> panels, int scale, IReadOnlyList<(string Name, (float, float, float) Color)>? legend = null)
    {
        int h = panels[0].Image.Height * scale, w = panels[0].Image.Width * scale;
        int legendRows = legend?.Count ?? 0;
        int width = panels.Count * (w + Gap) + Gap;
        width = Math.Max(width, panels.Max(p => BitmapFont.Measure(p.Title, FontScale)) + 2 * Gap);
        int height = Caption + h + Gap + legendRows * Caption;
        var pixels = new float[height * width * 3];
        Array.Fill(pixels, 1f);
        var canvas = new RgbImage(height, width, pixels);
        for (int p = 0; p < panels.Count; p++)
        {
            var img = panels[p].Image;
            if (img.Height * scale != h || img.Width * scale != w) throw new TipsException("figure panels must share one size");
            int left = Gap + p * (w + Gap);
            BitmapFont.Draw(canvas, panels[p].Title, 3, left, FontScale, (0, 0, 0));
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int c = 0; c < 3; c++)
                        pixels[((Caption + y) * width + left + x) * 3 + c] = img[y / scale, x / scale, c];
        }
        for (int i = 0; i < legendRows; i++)
        {
            int top = Caption + h + Gap + i * Caption;
            for (int y = 0; y < Caption - 4; y++)
                for (int x = 0; x < Caption - 4; x++) BitmapFont.Set(canvas, top + y, Gap + x, legend![i].Color);
            BitmapFont.Draw(canvas, legend![i].Name, top + 2, Gap + Caption + 2, FontScale, (0, 0, 0));
        }
        return canvas;
    }
}
