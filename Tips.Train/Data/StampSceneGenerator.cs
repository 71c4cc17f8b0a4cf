using Tips.Model;
using Tips.Model.Images;

namespace Tips.Train.Data;

/// <summary>
/// Deterministic scenes of 1-4 Tux Paint stamps on a textured ground plane under a sky, with the ground plane and
/// depth of <see cref="SceneGenerator"/>: the ground at pixel row y (centre yc) below the horizon hy is at depth
/// (H - hy) / (yc - hy) (capped at <see cref="SceneGenerator.SkyDepth"/>, the sky's depth); a stamp is a flat card at
/// the depth d of its base row hy + (H - hy) / d, its height (world height) * (H - hy) / d, so lower stamps are nearer,
/// larger, and drawn later (they occlude farther ones). Colours are alpha-composited (supersampled); the class,
/// depth and instance maps take a stamp's pixel where its coverage is at least one half.
/// </summary>
public sealed class StampSceneGenerator
{
    private const double MinDepth = 1.0, MaxDepth = 2.5;

    private static readonly (string Name, float[] Top, float[] Bottom)[] Skies =
    [
        ("blue sky", [0.30f, 0.55f, 0.92f], [0.72f, 0.85f, 1.00f]),
        ("grey sky", [0.52f, 0.55f, 0.58f], [0.80f, 0.80f, 0.82f]),
        ("evening sky", [0.30f, 0.28f, 0.58f], [0.95f, 0.68f, 0.48f]),
    ];

    private readonly StampCatalog _catalog;
    private readonly GroundTextures _grounds;

    public int Height { get; }
    public int Width { get; }
    public int MinStamps { get; }
    public int MaxStamps { get; }

    public StampSceneGenerator(StampCatalog catalog, GroundTextures grounds, int height, int width, int minStamps = 1, int maxStamps = 4)
    {
        if (height < 16 || width < 16) throw new TipsException($"stamp scene size must be at least 16x16, got {height}x{width}");
        if ((long)height * width > 1 << 24) throw new TipsException($"stamp scene size {height}x{width} is too large");
        if (minStamps < 1 || maxStamps < minStamps || maxStamps > 4)
            throw new TipsException($"stamps per scene must satisfy 1 <= min <= max <= 4, got {minStamps}..{maxStamps}");
        _catalog = catalog;
        _grounds = grounds;
        Height = height;
        Width = width;
        MinStamps = minStamps;
        MaxStamps = maxStamps;
    }

    /// <summary>The stamps from the tuxpaint-stamps-default package and textures from python3-skimage.</summary>
    public static StampSceneGenerator FromDebian(int height, int width) =>
        new(StampCatalog.Open(), GroundTextures.Load(), height, width);

    public StampScene Generate(Split split, long index) => Generate(SceneGenerator.SeedOf(split, index));

    public StampScene Generate(ulong seed)
    {
        var rng = DataRng.For(seed, 0, 0x57A3B);
        double hy = Height * rng.Uniform(0.35, 0.5);
        int ground = rng.Next(_grounds.Count), sky = rng.Next(Skies.Length);
        long groundU = rng.Next(4096), groundV = rng.Next(4096);
        double groundScale = rng.Uniform(0.6, 1.6);
        var stamps = Place(ref rng, hy);

        int h = Height, w = Width;
        var pixels = new float[h * w * 3];
        var classes = new int[h * w];
        var depth = new float[h * w];
        var instances = new int[h * w];
        DrawBackground(hy, ground, sky, groundU, groundV, groundScale, pixels, depth);
        for (int i = 0; i < stamps.Length; i++) DrawStamp(stamps[i], i + 1, pixels, classes, depth, instances);

        string groundName = _grounds.Name(ground), skyName = Skies[sky].Name;
        var example = new Example(new RgbImage(h, w, pixels), StampCaptions.Web(stamps, ref rng),
            StampCaptions.Synthetic(stamps, h, w, groundName, skyName), classes, depth);
        return new StampScene(example, stamps, instances, hy, groundName, skyName);
    }

    private PlacedStamp[] Place(ref DataRng rng, double hy)
    {
        double g = Height - hy;
        int n = rng.Next(MinStamps, MaxStamps + 1);
        var placed = new List<PlacedStamp>(n);
        for (int i = 0; i < n; i++)
        {
            for (int attempt = 0; attempt < 30; attempt++)
            {
                int category = rng.Next(StampCategories.Count);
                var members = _catalog.ByCategory[category];
                int stamp = members[rng.Next(members.Length)];
                double d = rng.Uniform(MinDepth, MaxDepth), worldHeight = rng.Uniform(0.45, 0.8);
                var info = _catalog.Stamps[stamp];
                if (placed.Any(p => p.Stamp == stamp || p.Name == info.Name)) continue;
                var image = _catalog.Image(stamp);
                double height = worldHeight * g / d, width = height * image.Width / image.Height;
                if (width > 0.7 * Width) (width, height) = (0.7 * Width, 0.7 * Width * image.Height / image.Width);
                if (height < 4 || width < 4) continue;
                double baseY = hy + g / d;
                double cx = rng.Uniform(width / 2, Width - width / 2);
                var candidate = new PlacedStamp(stamp, category, info.Name, info.Caption, cx - width / 2, baseY - height, width, height, (float)d);
                // Centres apart by at least 60% of the mean width, so that every stamp stays mostly visible.
                if (placed.All(p => Math.Abs(p.CenterX - cx) >= 0.3 * (p.Width + width)))
                {
                    placed.Add(candidate);
                    break;
                }
            }
        }
        return placed.OrderBy(p => p.BaseY).ThenBy(p => p.Stamp).ToArray();
    }

    private void DrawBackground(double hy, int ground, int sky, long u0, long v0, double scale, float[] pixels, float[] depth)
    {
        int h = Height, w = Width;
        double g = h - hy;
        var (_, top, bottom) = Skies[sky];
        Span<float> rgb = stackalloc float[3];
        for (int y = 0; y < h; y++)
        {
            double yc = y + 0.5;
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                if (yc <= hy)
                {
                    double t = yc / hy;
                    for (int c = 0; c < 3; c++) pixels[i * 3 + c] = (float)(top[c] + (bottom[c] - top[c]) * t);
                    depth[i] = SceneGenerator.SkyDepth;
                    continue;
                }
                double d = Math.Min(g / (yc - hy), SceneGenerator.SkyDepth);
                // Texture coordinates in world units: farther rows show more ground per pixel.
                _grounds.Sample(ground, u0 + (long)Math.Floor((x + 0.5 - w / 2.0) * d * scale), v0 + (long)Math.Floor(d * g * scale), rgb);
                rgb.CopyTo(pixels.AsSpan(i * 3, 3));
                depth[i] = (float)d;
            }
        }
    }

    private void DrawStamp(PlacedStamp s, int instance, float[] pixels, int[] classes, float[] depth, int[] instances)
    {
        var image = _catalog.Image(s.Stamp);
        int w = Width;
        // Sub-samples per pixel axis: enough that a stamp shrunk k times averages about k texels per pixel.
        int ss = Math.Clamp((int)Math.Ceiling(image.Width / s.Width), 1, 4);
        double sx = image.Width / s.Width, sy = image.Height / s.Height;
        int x0 = Math.Max(0, (int)Math.Floor(s.Left)), x1 = Math.Min(w - 1, (int)Math.Ceiling(s.Left + s.Width));
        int y0 = Math.Max(0, (int)Math.Floor(s.Top)), y1 = Math.Min(Height - 1, (int)Math.Ceiling(s.BaseY));
        Span<float> sample = stackalloc float[4];
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                float r = 0, gr = 0, b = 0, a = 0;
                for (int j = 0; j < ss; j++)
                    for (int k = 0; k < ss; k++)
                    {
                        double u = (x + (k + 0.5) / ss - s.Left) * sx - 0.5, v = (y + (j + 0.5) / ss - s.Top) * sy - 0.5;
                        Bilinear(image, u, v, sample);
                        r += sample[0]; gr += sample[1]; b += sample[2]; a += sample[3];
                    }
                float n = ss * ss;
                a /= n;
                if (a <= 0) continue;
                int i = y * w + x, p = i * 3;
                pixels[p] = pixels[p] * (1 - a) + r / n;
                pixels[p + 1] = pixels[p + 1] * (1 - a) + gr / n;
                pixels[p + 2] = pixels[p + 2] * (1 - a) + b / n;
                if (a < 0.5f) continue;
                classes[i] = s.ClassId;
                depth[i] = s.Depth;
                instances[i] = instance;
            }
    }

    /// <summary>Premultiplied RGB and alpha at texel coordinates (u, v) (texel centres at integers), transparent
    /// outside the stamp.</summary>
    private static void Bilinear(StampImage image, double u, double v, Span<float> result)
    {
        result.Clear();
        int iu = (int)Math.Floor(u), iv = (int)Math.Floor(v);
        float fu = (float)(u - iu), fv = (float)(v - iv);
        for (int dy = 0; dy < 2; dy++)
        {
            int ty = iv + dy;
            if (ty < 0 || ty >= image.Height) continue;
            float wy = dy == 0 ? 1 - fv : fv;
            for (int dx = 0; dx < 2; dx++)
            {
                int tx = iu + dx;
                if (tx < 0 || tx >= image.Width) continue;
                float wt = wy * (dx == 0 ? 1 - fu : fu);
                int o = (ty * image.Width + tx) * 4;
                float alpha = image.Rgba[o + 3] * (wt / 255f);
                result[0] += image.Rgba[o] * (alpha / 255f);
                result[1] += image.Rgba[o + 1] * (alpha / 255f);
                result[2] += image.Rgba[o + 2] * (alpha / 255f);
                result[3] += alpha;
            }
        }
    }
}
