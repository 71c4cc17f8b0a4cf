using Tips.Model;
using Tips.Model.Images;

namespace Tips.Train.Data;

/// <summary>A crop rectangle in source pixels (integer, as torchvision's RandomResizedCrop).</summary>
public readonly record struct CropBox(int Top, int Left, int Height, int Width);

/// <summary>Random resized crop settings: area fraction in [MinScale, MaxScale] of the source, aspect (width/height)
/// log-uniform in [MinAspect, MaxAspect], output Size x Size.</summary>
public sealed record CropOptions(int Size, double MinScale, double MaxScale, double MinAspect = 3.0 / 4, double MaxAspect = 4.0 / 3)
{
    internal void Validate(string what)
    {
        if (Size <= 0 || Size > 4096) throw new TipsException($"{what} crop size must be in 1..4096, got {Size}");
        if (!(MinScale > 0 && MinScale <= MaxScale && MaxScale <= 1))
            throw new TipsException($"{what} crop scale range must satisfy 0 < min <= max <= 1, got {MinScale}..{MaxScale}");
        if (!(MinAspect > 0 && MinAspect <= MaxAspect && double.IsFinite(MaxAspect)))
            throw new TipsException($"{what} crop aspect range must satisfy 0 < min <= max, got {MinAspect}..{MaxAspect}");
    }
}

/// <summary>One global and <see cref="LocalCount"/> local crops per example, each flipped with
/// <see cref="FlipProbability"/>. DINOv2's scale ranges by default; no colour jitter (captions name colours).</summary>
public sealed record AugmentOptions(CropOptions Global, CropOptions Local, int LocalCount = 6, double FlipProbability = 0.5)
{
    /// <summary>Global crops of scale 0.32..1, local crops of scale 0.05..0.32.</summary>
    public static AugmentOptions Default(int globalSize, int localSize, int localCount = 6) =>
        new(new CropOptions(globalSize, 0.32, 1.0), new CropOptions(localSize, 0.05, 0.32), localCount);

    internal void Validate()
    {
        Global.Validate("global");
        Local.Validate("local");
        if (LocalCount < 0 || LocalCount > 64) throw new TipsException($"local crop count must be in 0..64, got {LocalCount}");
        if (!(FlipProbability >= 0 && FlipProbability <= 1)) throw new TipsException($"flip probability must be in [0, 1], got {FlipProbability}");
    }
}

/// <summary>A resized (and maybe mirrored) crop: pixels (S, S, 3), and the maps cut the same way when the source had them.</summary>
public sealed record Crop(RgbImage Image, int[]? Classes, float[]? Depth, CropBox Box, bool Flipped);

/// <summary>The views of one example. The captions follow the global crop: mirrored with it when it is flipped.</summary>
public sealed record AugmentedExample(Crop Global, Crop[] Locals, string WebCaption, string SyntheticCaption);

/// <summary>Random resized crops and horizontal flips for training views.</summary>
public static class Augment
{
    /// <summary>The views of <paramref name="example"/> drawn from <paramref name="rng"/> (global crop first).</summary>
    public static AugmentedExample Apply(Example example, AugmentOptions options, ref DataRng rng)
    {
        options.Validate();
        var global = RandomCrop(example, options.Global, options.FlipProbability, ref rng);
        var locals = new Crop[options.LocalCount];
        for (int m = 0; m < locals.Length; m++) locals[m] = RandomCrop(example, options.Local, options.FlipProbability, ref rng);
        string web = global.Flipped ? CaptionFlip.FlipLeftRight(example.WebCaption) : example.WebCaption;
        string synthetic = global.Flipped ? CaptionFlip.FlipLeftRight(example.SyntheticCaption) : example.SyntheticCaption;
        return new AugmentedExample(global, locals, web, synthetic);
    }

    private static Crop RandomCrop(Example example, CropOptions options, double flipProbability, ref DataRng rng)
    {
        var box = SampleBox(example.Height, example.Width, options, ref rng);
        bool flip = rng.NextDouble() < flipProbability;
        return CropResize(example, box, options.Size, flip);
    }

    /// <summary>
    /// torchvision's RandomResizedCrop box: up to 10 draws of area and log-aspect, the first that fits wins, placed
    /// uniformly; otherwise the largest centred box with the aspect clamped to the range.
    /// </summary>
    public static CropBox SampleBox(int height, int width, CropOptions options, ref DataRng rng)
    {
        double area = (double)height * width;
        double logMin = Math.Log(options.MinAspect), logMax = Math.Log(options.MaxAspect);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * rng.Uniform(options.MinScale, options.MaxScale);
            double aspect = Math.Exp(rng.Uniform(logMin, logMax));
            int w = (int)Math.Round(Math.Sqrt(target * aspect));
            int h = (int)Math.Round(Math.Sqrt(target / aspect));
            if (w > 0 && h > 0 && w <= width && h <= height)
                return new CropBox(rng.Next(height - h + 1), rng.Next(width - w + 1), h, w);
        }
        double ratio = (double)width / height;
        int cw = width, ch = height;
        if (ratio < options.MinAspect) ch = Math.Max(1, (int)Math.Round(width / options.MinAspect));
        else if (ratio > options.MaxAspect) cw = Math.Max(1, (int)Math.Round(height * options.MaxAspect));
        return new CropBox((height - ch) / 2, (width - cw) / 2, ch, cw);
    }

    /// <summary>
    /// Cuts <paramref name="box"/> and resizes it to size x size, mirrored when <paramref name="flip"/>. Pixels: bilinear
    /// with half-pixel centres (output x samples source left + (x + 0.5) * box.Width / size - 0.5, clamped to the box),
    /// no antialiasing. Class and depth maps: nearest (the source pixel containing that point), since blending across
    /// an object edge would invent classes and depths that exist nowhere.
    /// </summary>
    public static Crop CropResize(Example example, CropBox box, int size, bool flip)
    {
        int h = example.Height, w = example.Width;
        if (size <= 0 || size > 4096) throw new TipsException($"crop output size must be in 1..4096, got {size}");
        if (box.Height <= 0 || box.Width <= 0 || box.Top < 0 || box.Left < 0 || box.Top + box.Height > h || box.Left + box.Width > w)
            throw new TipsException($"crop box {box} does not lie inside the {h}x{w} image");

        var (x0, x1, fx, nx) = Axis(box.Left, box.Width, size);
        var (y0, y1, fy, ny) = Axis(box.Top, box.Height, size);
        if (flip)
        {
            Array.Reverse(x0);
            Array.Reverse(x1);
            Array.Reverse(fx);
            Array.Reverse(nx);
        }

        var src = example.Image.Pixels;
        var pixels = new float[size * size * 3];
        for (int y = 0; y < size; y++)
        {
            int r0 = y0[y] * w, r1 = y1[y] * w;
            float ty = fy[y];
            for (int x = 0; x < size; x++)
            {
                int a = (r0 + x0[x]) * 3, b = (r0 + x1[x]) * 3, c = (r1 + x0[x]) * 3, d = (r1 + x1[x]) * 3;
                float tx = fx[x];
                int o = (y * size + x) * 3;
                for (int ch = 0; ch < 3; ch++)
                {
                    float top = src[a + ch] + (src[b + ch] - src[a + ch]) * tx;
                    float bottom = src[c + ch] + (src[d + ch] - src[c + ch]) * tx;
                    pixels[o + ch] = top + (bottom - top) * ty;
                }
            }
        }
        var classes = example.Classes is { } cm ? Nearest(cm, w, nx, ny, size) : null;
        var depth = example.Depth is { } dm ? Nearest(dm, w, nx, ny, size) : null;
        return new Crop(new RgbImage(size, size, pixels), classes, depth, box, flip);
    }

    /// <summary>For each output index along one axis: the two bilinear taps, the weight of the second, and the nearest tap.</summary>
    private static (int[] I0, int[] I1, float[] T, int[] Nearest) Axis(int start, int length, int size)
    {
        var i0 = new int[size];
        var i1 = new int[size];
        var t = new float[size];
        var nearest = new int[size];
        double step = (double)length / size;
        for (int i = 0; i < size; i++)
        {
            double pos = (i + 0.5) * step;
            nearest[i] = start + Math.Min(length - 1, (int)Math.Floor(pos));
            double s = Math.Clamp(pos - 0.5, 0, length - 1);
            int lo = (int)Math.Floor(s);
            int hi = Math.Min(lo + 1, length - 1);
            i0[i] = start + lo;
            i1[i] = start + hi;
            t[i] = (float)(s - lo);
        }
        return (i0, i1, t, nearest);
    }

    private static T[] Nearest<T>(T[] map, int w, int[] nx, int[] ny, int size)
    {
        var result = new T[size * size];
        for (int y = 0; y < size; y++)
        {
            int row = ny[y] * w;
            for (int x = 0; x < size; x++) result[y * size + x] = map[row + nx[x]];
        }
        return result;
    }
}
