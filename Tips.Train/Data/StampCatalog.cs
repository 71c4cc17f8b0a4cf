using System.Collections.Concurrent;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Tips.Model;

namespace Tips.Train.Data;

/// <summary>One stamp: its PNG (relative to the catalog root), category, the English caption line of its .txt and the
/// short name captions use ("red kangaroo" from "A red kangaroo.").</summary>
public sealed record StampInfo(string RelativePath, int Category, string Caption, string Name);

/// <summary>A decoded stamp cropped to its non-transparent box: (H, W, 4) straight (not premultiplied) RGBA bytes.</summary>
public sealed record StampImage(int Height, int Width, byte[] Rgba);

/// <summary>
/// The Tux Paint stamps of <see cref="StampCategories"/>: every `*.png` with a `.txt` beside it whose first line is
/// the English caption (later lines are `lang.utf8=...` translations; `*_mirror.png` variants have no .txt and are
/// left out). Stamps are listed in ordinal path order and decoded on first use (thread-safe, then cached).
/// </summary>
public sealed class StampCatalog
{
    /// <summary>Longest side after decoding: scenes are small, and this bounds the cache (at most 256 KiB per stamp,
    /// under 100 MiB for all).</summary>
    public const int MaxSide = 256;

    private const long MaxPixels = 16_000_000;

    private readonly ConcurrentDictionary<int, Lazy<StampImage>> _images = new();

    public string Root { get; }
    public IReadOnlyList<StampInfo> Stamps { get; }

    /// <summary>Indices of the stamps of each category (0-based category index).</summary>
    public IReadOnlyList<int[]> ByCategory { get; }

    private StampCatalog(string root, IReadOnlyList<StampInfo> stamps)
    {
        Root = root;
        Stamps = stamps;
        ByCategory = Enumerable.Range(0, StampCategories.Count)
            .Select(c => Enumerable.Range(0, stamps.Count).Where(i => stamps[i].Category == c).ToArray()).ToArray();
    }

    /// <summary>The stamps under <paramref name="root"/> (default: the tuxpaint-stamps-default package's folder).</summary>
    public static StampCatalog Open(string? root = null)
    {
        root ??= DebianData.StampsFolder();
        if (!Directory.Exists(root)) throw new TipsException($"{root}: no such stamps folder");
        var stamps = new List<StampInfo>();
        foreach (var png in Directory.EnumerateFiles(root, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, png).Replace('\\', '/');
            int category = StampCategories.Of(relative);
            var txt = Path.ChangeExtension(png, ".txt");
            if (category < 0 || !File.Exists(txt)) continue;
            string caption = ReadCaption(txt);
            stamps.Add(new StampInfo(relative, category, caption, StampCategories.ShortName(caption, Path.GetFileNameWithoutExtension(png))));
        }
        var catalog = new StampCatalog(root, stamps);
        var empty = Enumerable.Range(0, StampCategories.Count).Where(c => catalog.ByCategory[c].Length == 0).Select(StampCategories.Name).ToArray();
        if (empty.Length > 0)
            throw new TipsException($"{root}: no captioned stamps for {string.Join(", ", empty)} (expected the tuxpaint-stamps-default layout)");
        return catalog;
    }

    private static string ReadCaption(string txt)
    {
        try
        {
            using var reader = new StreamReader(txt);
            var line = reader.ReadLine()?.Trim();
            if (string.IsNullOrEmpty(line) || line.Contains(".utf8=", StringComparison.Ordinal))
                throw new TipsException($"{txt}: the first line must be the English caption");
            return line.Length <= 200 ? line : throw new TipsException($"{txt}: caption longer than 200 characters");
        }
        catch (IOException e)
        {
            throw new TipsException($"cannot read {txt}: {e.Message}");
        }
    }

    /// <summary>Stamp <paramref name="index"/>, decoded once.</summary>
    public StampImage Image(int index) =>
        _images.GetOrAdd(index, i => new Lazy<StampImage>(() => Decode(Path.Combine(Root, Stamps[i].RelativePath)))).Value;

    private static StampImage Decode(string path)
    {
        Image<Rgba32> image;
        try
        {
            var info = SixLabors.ImageSharp.Image.Identify(path) ?? throw new TipsException($"{path}: not an image");
            if ((long)info.Width * info.Height > MaxPixels) throw new TipsException($"{path}: {info.Width}x{info.Height} stamp exceeds {MaxPixels} pixels");
            image = SixLabors.ImageSharp.Image.Load<Rgba32>(path);
        }
        catch (Exception e) when (e is not TipsException and not OutOfMemoryException)
        {
            throw new TipsException($"{path}: cannot decode stamp ({e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")})");
        }
        using (image)
        {
            var box = OpaqueBox(image) ?? throw new TipsException($"{path}: stamp has no visible pixel (alpha 0 everywhere)");
            image.Mutate(m =>
            {
                m.Crop(box);
                double scale = (double)MaxSide / Math.Max(box.Width, box.Height);
                // Alpha-premultiplied resampling (ImageSharp's default), so transparent colours do not bleed in.
                if (scale < 1) m.Resize(Math.Max(1, (int)Math.Round(box.Width * scale)), Math.Max(1, (int)Math.Round(box.Height * scale)));
            });
            int h = image.Height, w = image.Width;
            var rgba = new byte[h * w * 4];
            image.CopyPixelDataTo(rgba);
            return new StampImage(h, w, rgba);
        }
    }

    private static Rectangle? OpaqueBox(Image<Rgba32> image)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    if (row[x].A == 0) continue;
                    x0 = Math.Min(x0, x); x1 = Math.Max(x1, x);
                    y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
                }
            }
        });
        return x1 < 0 ? null : new Rectangle(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    }
}
