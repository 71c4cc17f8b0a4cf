using Tips.Model.Images;
using Tips.Train.Cli;

namespace Tips.Train.Eval;

/// <summary>A grid of bar charts: one panel per metric, one bar per setting (mean) with a whisker of ± std.</summary>
internal static class BarChart
{
    private const int PanelWidth = 300, PanelHeight = 180, Margin = 24, Font = 2;

    public static RgbImage Draw(IReadOnlyList<string> metrics, IReadOnlyList<string> settings, Func<string, string, (double Mean, double Std)> value)
    {
        int columns = Math.Min(3, metrics.Count), rows = (metrics.Count + columns - 1) / columns;
        int legendHeight = settings.Count * 14 + Margin;
        int width = columns * (PanelWidth + Margin) + Margin, height = rows * (PanelHeight + 2 * Margin) + legendHeight;
        var pixels = new float[width * height * 3];
        Array.Fill(pixels, 1f);
        var image = new RgbImage(height, width, pixels);
        for (int m = 0; m < metrics.Count; m++)
        {
            int left = Margin + m % columns * (PanelWidth + Margin), top = Margin + m / columns * (PanelHeight + 2 * Margin);
            BitmapFont.Draw(image, metrics[m], top - 14, left, Font, (0, 0, 0));
            var stats = settings.Select(s => value(s, metrics[m])).ToArray();
            double max = Math.Max(1e-9, stats.Max(v => v.Mean + v.Std));
            int bar = PanelWidth / settings.Count;
            for (int s = 0; s < settings.Count; s++)
            {
                int x0 = left + s * bar + 2, x1 = left + (s + 1) * bar - 2;
                int bottom = top + PanelHeight, y0 = bottom - (int)(stats[s].Mean / max * PanelHeight);
                Fill(image, y0, bottom, x0, x1, Overlay.Color(s));
                int hi = bottom - (int)((stats[s].Mean + stats[s].Std) / max * PanelHeight);
                int lo = bottom - (int)(Math.Max(0, stats[s].Mean - stats[s].Std) / max * PanelHeight);
                Fill(image, hi, lo + 1, (x0 + x1) / 2, (x0 + x1) / 2 + 1, (0, 0, 0));
            }
            Fill(image, top + PanelHeight, top + PanelHeight + 1, left, left + PanelWidth, (0, 0, 0));
            BitmapFont.Draw(image, $"max {max:G3}", top + PanelHeight + 4, left, 1, (0.3f, 0.3f, 0.3f));
        }
        for (int s = 0; s < settings.Count; s++)
        {
            int top = rows * (PanelHeight + 2 * Margin) + s * 14;
            Fill(image, top, top + 10, Margin, Margin + 10, Overlay.Color(s));
            BitmapFont.Draw(image, settings[s], top, Margin + 16, Font, (0, 0, 0));
        }
        return image;
    }

    private static void Fill(RgbImage image, int y0, int y1, int x0, int x1, (float R, float G, float B) color)
    {
        for (int y = Math.Max(0, y0); y < Math.Min(image.Height, y1); y++)
            for (int x = Math.Max(0, x0); x < Math.Min(image.Width, x1); x++) BitmapFont.Set(image, y, x, color);
    }
}
