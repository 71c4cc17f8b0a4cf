using System.Globalization;
using Tips.Model.Images;
using Tips.Train.Cli;

namespace Tips.Train.Training;

/// <summary>The loss curves of a run as a PNG: one coloured line per loss term over the optimiser steps, with a legend.</summary>
public static class LossCurve
{
    private const int Width = 800, Height = 480, Left = 60, Right = 20, Top = 40, Bottom = 40, Scale = 2;

    public static readonly (string Name, (float R, float G, float B) Color)[] Series =
    [
        ("loss", (0f, 0f, 0f)), ("clip_web", (0.90f, 0.10f, 0.29f)), ("clip_synthetic", (0.26f, 0.39f, 0.85f)),
        ("distill", (0.24f, 0.61f, 0.29f)), ("mask", (0.96f, 0.51f, 0.19f)),
    ];

    /// <summary>
    /// Draws <paramref name="points"/> (step, values in <see cref="Series"/> order; NaN where a term is off or the step
    /// was skipped) and writes the PNG atomically. The y range covers every finite value.
    /// </summary>
    public static RgbImage Draw(IReadOnlyList<(int Step, float[] Values)> points)
    {
        var image = new RgbImage(Height, Width, Enumerable.Repeat(1f, Height * Width * 3).ToArray());
        var finite = points.SelectMany(p => p.Values).Where(float.IsFinite).ToArray();
        float lo = finite.Length > 0 ? finite.Min() : 0f, hi = finite.Length > 0 ? finite.Max() : 1f;
        if (hi - lo < 1e-6f) (lo, hi) = (lo - 0.5f, hi + 0.5f);
        int first = points.Count > 0 ? points.Min(p => p.Step) : 0, last = points.Count > 0 ? points.Max(p => p.Step) : 1;
        if (last == first) last = first + 1;
        int plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        int X(int step) => Left + (int)Math.Round((double)(step - first) / (last - first) * (plotW - 1));
        int Y(float v) => Top + (int)Math.Round((hi - v) / (hi - lo) * (plotH - 1));

        var grey = (0.6f, 0.6f, 0.6f);
        Line(image, Left - 1, Top, Left - 1, Top + plotH, grey);
        Line(image, Left - 1, Top + plotH, Left + plotW, Top + plotH, grey);
        string F(float v) => v.ToString("G4", CultureInfo.InvariantCulture);
        BitmapFont.Draw(image, F(hi), Top, 4, Scale, grey);
        BitmapFont.Draw(image, F(lo), Top + plotH - 10, 4, Scale, grey);
        BitmapFont.Draw(image, $"STEP {first}", Top + plotH + 8, Left, Scale, grey);
        string end = $"{last}";
        BitmapFont.Draw(image, end, Top + plotH + 8, Left + plotW - BitmapFont.Measure(end, Scale), Scale, grey);

        int legend = Left;
        for (int s = 0; s < Series.Length; s++)
        {
            var (name, color) = Series[s];
            if (!points.Any(p => float.IsFinite(p.Values[s]))) continue;
            BitmapFont.Draw(image, name, 12, legend, Scale, color);
            legend += BitmapFont.Measure(name, Scale) + 16;
            (int X, int Y)? previous = null;
            foreach (var (step, values) in points)
            {
                if (!float.IsFinite(values[s]))
                {
                    previous = null; // a gap instead of a line across a skipped step
                    continue;
                }
                var here = (X(step), Y(values[s]));
                if (previous is { } p) Line(image, p.X, p.Y, here.Item1, here.Item2, color);
                else BitmapFont.Set(image, here.Item2, here.Item1, color);
                previous = here;
            }
        }
        return image;
    }

    public static void Write(string path, IReadOnlyList<(int Step, float[] Values)> points) => PngWriter.WriteRgb(path, Draw(points));

    /// <summary>Bresenham's line, both ends included.</summary>
    private static void Line(RgbImage image, int x0, int y0, int x1, int y1, (float R, float G, float B) color)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            BitmapFont.Set(image, y0, x0, color);
            if (x0 == x1 && y0 == y1) return;
            int e2 = 2 * err;
            if (e2 >= dy)
            {
                err += dy;
                x0 += sx;
            }
            if (e2 <= dx)
            {
                err += dx;
                y0 += sy;
            }
        }
    }
}
