using Tips.Model;
using Tips.Model.Images;

namespace Tips.Train.Data;

/// <summary>
/// Deterministic synthetic scenes: a sky above a horizon, a textured ground plane below it, and objects standing on
/// the ground. An object's base row fixes its depth (ground depth there) and its apparent size (world size / depth),
/// so lower objects are nearer, larger, and drawn later (they occlude farther ones). No anti-aliasing: every pixel
/// belongs to exactly one object or the background, which keeps the class map exact.
/// </summary>
/// <remarks>Depth: the ground at pixel row y (centre yc = y + 0.5) below the horizon hy is at
/// (H - hy) / (yc - hy), i.e. 1 at the bottom edge, growing to <see cref="SkyDepth"/> (its cap) towards the horizon;
/// the sky is at <see cref="SkyDepth"/>; an object is a flat card at the depth of its base.</remarks>
public sealed class SceneGenerator
{
    public const float SkyDepth = 50f;

    /// <summary>Indices per split: split s uses seeds [s * SplitSize, (s + 1) * SplitSize).</summary>
    public const long SplitSize = 1L << 40;

    private const double MinDepth = 1.0, MaxDepth = 2.5;

    /// <summary>World sizes (object radius over ground height below the horizon at depth 1). On an 8 x 8 patch grid a
    /// large object is about 2-7 patches across and a small one 1-4: a linear probe and zero-shot segmentation need
    /// patches that an object covers (at about half these sizes most objects fell within one or two patches).</summary>
    public static readonly (double Min, double Max) LargeSize = (0.50, 0.60), SmallSize = (0.27, 0.33);

    private static readonly (string Name, float[] Rgb)[] Grounds =
    [
        ("grass", [0.35f, 0.55f, 0.25f]),
        ("sand", [0.80f, 0.72f, 0.50f]),
        ("stone", [0.50f, 0.50f, 0.52f]),
        ("soil", [0.45f, 0.32f, 0.22f]),
        ("snow", [0.88f, 0.90f, 0.93f]),
    ];

    private static readonly (string Name, float[] Top, float[] Bottom)[] Skies =
    [
        ("blue sky", [0.35f, 0.60f, 0.95f], [0.75f, 0.87f, 1.00f]),
        ("grey sky", [0.55f, 0.57f, 0.60f], [0.80f, 0.80f, 0.82f]),
        ("evening sky", [0.35f, 0.30f, 0.60f], [0.95f, 0.70f, 0.50f]),
        ("pale sky", [0.80f, 0.88f, 0.92f], [0.95f, 0.96f, 0.97f]),
    ];

    private enum GroundPattern { Tiles, Rows, Noise }

    public int Height { get; }
    public int Width { get; }
    public int MinObjects { get; }
    public int MaxObjects { get; }
    public double TypicalColourShare { get; }

    /// <summary>
    /// The default share of objects drawn in their kind's typical colour (<see cref="Palette.TypicalOf"/>); the rest
    /// get a uniform colour. Like real categories (grass is green, sky is blue), a kind is then likely but not certain
    /// from its colour. With no such cue the tiny ViT of the demo learnt no kind at all: not from the captions, and
    /// not even from a per-patch kind label added as a supervised loss (1500 steps: segmentation probe 0.15, chance
    /// 0.09), because telling the outlines apart needs far more images than a few CPU minutes give a ViT.
    /// </summary>
    public const double DefaultTypicalColourShare = 0.75;

    /// <param name="maxObjects">At most 8. Each object adds about 14 words to the synthetic caption; the default 3
    /// keeps it near the text tower's 64 tokens.</param>
    /// <param name="typicalColourShare">Probability in [0, 1] that an object has its kind's typical colour; 0 makes
    /// colour and kind independent.</param>
    public SceneGenerator(int height, int width, int minObjects = 1, int maxObjects = 3, double typicalColourShare = DefaultTypicalColourShare)
    {
        if (height < 8 || width < 8) throw new TipsException($"scene size must be at least 8x8, got {height}x{width}");
        if ((long)height * width > 1 << 26) throw new TipsException($"scene size {height}x{width} is too large");
        if (minObjects < 1 || maxObjects < minObjects || maxObjects > 8)
            throw new TipsException($"objects per scene must satisfy 1 <= min <= max <= 8, got {minObjects}..{maxObjects}");
        if (!(typicalColourShare >= 0 && typicalColourShare <= 1))
            throw new TipsException($"typical colour share must be in [0, 1], got {typicalColourShare}");
        Height = height;
        Width = width;
        MinObjects = minObjects;
        MaxObjects = maxObjects;
        TypicalColourShare = typicalColourShare;
    }

    /// <summary>The seed of scene <paramref name="index"/> of a split; ranges of different splits never overlap.</summary>
    public static ulong SeedOf(Split split, long index)
    {
        if (index < 0 || index >= SplitSize) throw new TipsException($"scene index {index} is outside [0, 2^40)");
        if (split is not (Split.Train or Split.Validation or Split.Test)) throw new TipsException($"unknown split {split}");
        return (ulong)split * SplitSize + (ulong)index;
    }

    public Scene Generate(Split split, long index) => Generate(SeedOf(split, index));

    public Scene Generate(ulong seed)
    {
        var rng = DataRng.For(seed, 0, 0x5CE9E);
        var layout = Sample(ref rng);
        return Render(layout, ref rng);
    }

    /// <summary>Everything a scene is drawn from; objects in drawing order.</summary>
    internal sealed record Layout(double HorizonY, int Ground, int Pattern, double PatternScale, int Sky, double SkyBands,
        double SkyPhase, ulong NoiseSeed, SceneObject[] Objects);

    internal Layout Sample(ref DataRng rng)
    {
        double hy = Height * rng.Uniform(0.30, 0.45);
        double g = Height - hy;
        int ground = rng.Next(Grounds.Length), sky = rng.Next(Skies.Length);
        int pattern = rng.Next(3);
        double patternScale = rng.Uniform(1.5, 3.0);
        double bands = rng.Chance(0.5) ? rng.Uniform(0.3, 0.8) : 0, phase = rng.Uniform(0, 2 * Math.PI);
        ulong noiseSeed = rng.NextUInt64();

        int n = rng.Next(MinObjects, MaxObjects + 1);
        double minRadius = Math.Max(1.5, 0.03 * Math.Min(Height, Width));
        var placed = new List<SceneObject>(n);
        for (int i = 0; i < n; i++)
        {
            for (int attempt = 0; attempt < 30; attempt++)
            {
                var kind = (ShapeKind)rng.Next(SceneWords.ClassCount);
                int colour = rng.Chance(TypicalColourShare) ? Palette.TypicalOf(kind) : rng.Next(Palette.Count);
                bool large = rng.Chance(0.5);
                var texture = rng.Chance(0.5) ? Texture.Solid : rng.Chance(0.5) ? Texture.Stripes : Texture.Dots;
                double worldSize = large ? rng.Uniform(LargeSize.Min, LargeSize.Max) : rng.Uniform(SmallSize.Min, SmallSize.Max);
                double depth = rng.Uniform(MinDepth, MaxDepth);
                double r = Math.Max(minRadius, worldSize * g / depth);
                double baseY = hy + g / depth;
                double cx = 2 * r < Width ? rng.Uniform(r, Width - r) : Width / 2.0;
                var candidate = new SceneObject(kind, colour, large, texture, cx, baseY - r, r, baseY, (float)depth);
                if (placed.All(o => Compatible(o, candidate)))
                {
                    placed.Add(candidate);
                    break;
                }
            }
        }
        // Far to near: nearer objects are drawn over farther ones.
        var objects = placed.OrderBy(o => o.BaseY).ToArray();
        return new Layout(hy, ground, pattern, patternScale, sky, bands, phase, noiseSeed, objects);
    }

    /// <summary>Distinct names (captions refer to "the red circle") and centres far enough apart that each object
    /// stays mostly visible.</summary>
    private static bool Compatible(SceneObject a, SceneObject b)
    {
        if (a.Kind == b.Kind && a.Colour == b.Colour) return false;
        double dx = a.CenterX - b.CenterX, dy = a.CenterY - b.CenterY;
        double min = 0.75 * (a.Radius + b.Radius);
        return dx * dx + dy * dy >= min * min;
    }

    internal Scene Render(Layout layout, ref DataRng rng)
    {
        int h = Height, w = Width;
        var pixels = new float[h * w * 3];
        var classes = new int[h * w];
        var depth = new float[h * w];
        DrawBackground(layout, pixels, depth);
        foreach (var o in layout.Objects) DrawObject(o, pixels, classes, depth);
        var ground = GroundPhrase(layout);
        var sky = Skies[layout.Sky].Name;
        string web = SceneCaptions.Web(layout.Objects, ground, ref rng);
        string synthetic = SceneCaptions.Synthetic(layout.Objects, h, w, ground, sky);
        var example = new Example(new RgbImage(h, w, pixels), web, synthetic, classes, depth);
        return new Scene(example, layout.Objects, layout.HorizonY, ground, sky);
    }

    private static string GroundPhrase(Layout layout) => (GroundPattern)layout.Pattern switch
    {
        GroundPattern.Tiles => "tiled " + Grounds[layout.Ground].Name,
        _ => Grounds[layout.Ground].Name,
    };

    private void DrawBackground(Layout layout, float[] pixels, float[] depth)
    {
        int h = Height, w = Width;
        double hy = layout.HorizonY, g = h - hy;
        var (_, top, bottom) = Skies[layout.Sky];
        var groundRgb = Grounds[layout.Ground].Rgb;
        var pattern = (GroundPattern)layout.Pattern;
        double scale = layout.PatternScale;
        for (int y = 0; y < h; y++)
        {
            double yc = y + 0.5;
            int row = y * w;
            if (yc <= hy)
            {
                double t = yc / hy;
                float band = (float)(0.05 * Math.Sin(yc * layout.SkyBands + layout.SkyPhase));
                float r = Lerp(top[0], bottom[0], t) + band, gr = Lerp(top[1], bottom[1], t) + band, b = Lerp(top[2], bottom[2], t) + band;
                for (int x = 0; x < w; x++)
                {
                    int p = (row + x) * 3;
                    pixels[p] = Clamp(r);
                    pixels[p + 1] = Clamp(gr);
                    pixels[p + 2] = Clamp(b);
                    depth[row + x] = SkyDepth;
                }
                continue;
            }
            double d = Math.Min(g / (yc - hy), SkyDepth);
            int depthRow = (int)Math.Floor(d * scale);
            for (int x = 0; x < w; x++)
            {
                float f = pattern switch
                {
                    // World x at this depth: pixels per world unit at depth d are g / d (the same pinhole as the sizes).
                    GroundPattern.Tiles => (((int)Math.Floor((x + 0.5 - w / 2.0) * d / g * scale) + depthRow) & 1) == 0 ? 0.88f : 1.12f,
                    GroundPattern.Rows => (depthRow & 1) == 0 ? 0.9f : 1.1f,
                    _ => 0.9f + 0.2f * Noise(layout.NoiseSeed, x, y),
                };
                int p = (row + x) * 3;
                pixels[p] = Clamp(groundRgb[0] * f);
                pixels[p + 1] = Clamp(groundRgb[1] * f);
                pixels[p + 2] = Clamp(groundRgb[2] * f);
                depth[row + x] = (float)d;
            }
        }
    }

    private void DrawObject(SceneObject o, float[] pixels, int[] classes, float[] depth)
    {
        int w = Width;
        var rgb = Palette.Rgb[o.Colour];
        var shade = Shade(rgb);
        double r = o.Radius, inv = 1 / r;
        int x0 = Math.Max(0, (int)Math.Floor(o.CenterX - r)), x1 = Math.Min(w - 1, (int)Math.Ceiling(o.CenterX + r));
        int y0 = Math.Max(0, (int)Math.Floor(o.CenterY - r)), y1 = Math.Min(Height - 1, (int)Math.Ceiling(o.CenterY + r));
        double period = Math.Max(2.0, 0.6 * r);
        for (int y = y0; y <= y1; y++)
        {
            double dy = y + 0.5 - o.CenterY;
            for (int x = x0; x <= x1; x++)
            {
                double dx = x + 0.5 - o.CenterX;
                if (!Shapes.Inside(o.Kind, dx * inv, dy * inv)) continue;
                bool shaded = o.Texture switch
                {
                    Texture.Stripes => (((int)Math.Floor((dx + dy) / period)) & 1) == 1,
                    Texture.Dots => InDot(dx, dy, period),
                    _ => false,
                };
                var c = shaded ? shade : rgb;
                int i = y * w + x, p = i * 3;
                pixels[p] = c[0];
                pixels[p + 1] = c[1];
                pixels[p + 2] = c[2];
                classes[i] = o.ClassId;
                depth[i] = o.Depth;
            }
        }
    }

    /// <summary>Dots on a grid of the given period anchored at the object's centre, radius 0.3 period.</summary>
    private static bool InDot(double dx, double dy, double period)
    {
        double fx = dx / period - Math.Round(dx / period), fy = dy / period - Math.Round(dy / period);
        return fx * fx + fy * fy <= 0.09;
    }

    /// <summary>The second colour of stripes and dots: darker for light colours, lighter for dark ones.</summary>
    private static float[] Shade(float[] c)
    {
        double lum = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
        return lum > 0.35
            ? [c[0] * 0.45f, c[1] * 0.45f, c[2] * 0.45f]
            : [c[0] + (1 - c[0]) * 0.55f, c[1] + (1 - c[1]) * 0.55f, c[2] + (1 - c[2]) * 0.55f];
    }

    /// <summary>A per-pixel hash in [0, 1).</summary>
    private static float Noise(ulong seed, int x, int y)
    {
        ulong z = seed ^ ((ulong)(uint)x << 32 | (uint)y);
        z = (z ^ (z >> 33)) * 0xFF51AFD7ED558CCDUL;
        z = (z ^ (z >> 33)) * 0xC4CEB9FE1A85EC53UL;
        return (z >> 40) * (1f / (1 << 24));
    }

    private static float Lerp(float a, float b, double t) => (float)(a + (b - a) * t);

    private static float Clamp(float v) => Math.Clamp(v, 0f, 1f);
}
