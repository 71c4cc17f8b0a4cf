using System.Text.Json;
using Tips.Model;
using Tips.Model.Checkpoints;
using Tips.Model.Images;

namespace Tips.Train.Data;

/// <summary>
/// A dataset folder: <c>index.jsonl</c> with one object per line,
/// <c>{"image": "rel/path.png", "web_caption": "...", "synthetic_caption": "...", "labels": "rel/labels.png", "depth": "rel/depth.npy"}</c>
/// (labels and depth optional; labels: a greyscale PNG whose grey value is the class id; depth: float (H, W) .npy).
/// The index is parsed and checked when opened; files are read on <see cref="Get"/>. Blank lines are skipped.
/// </summary>
public sealed class JsonlDataset : IExampleSource
{
    public const string IndexFile = "index.jsonl";

    private sealed record Entry(int Line, string Image, string WebCaption, string SyntheticCaption, string? Labels, string? Depth);

    private readonly Entry[] _entries;

    public string Folder { get; }
    public long Count => _entries.Length;

    private JsonlDataset(string folder, Entry[] entries)
    {
        Folder = folder;
        _entries = entries;
    }

    public static JsonlDataset Open(string folder)
    {
        string root = Path.GetFullPath(folder);
        string index = Path.Combine(root, IndexFile);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(index);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TipsException($"{index}: cannot read ({e.Message})");
        }
        var entries = new List<Entry>();
        for (int i = 0; i < lines.Length; i++)
            if (!string.IsNullOrWhiteSpace(lines[i])) entries.Add(Parse(lines[i], i + 1, index));
        if (entries.Count == 0) throw new TipsException($"{index}: no examples");
        return new JsonlDataset(root, entries.ToArray());
    }

    private static Entry Parse(string line, int number, string index)
    {
        string where = $"{index}:{number}";
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException e)
        {
            throw new TipsException($"{where}: invalid JSON ({e.Message})");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new TipsException($"{where}: expected a JSON object, got {root.ValueKind}");
            foreach (var p in root.EnumerateObject())
                if (p.Name is not ("image" or "web_caption" or "synthetic_caption" or "labels" or "depth"))
                    throw new TipsException($"{where}: unknown field \"{p.Name}\" (expected image, web_caption, synthetic_caption, labels, depth)");
            return new Entry(number,
                RelativePath(root, "image", where) ?? throw new TipsException($"{where}: missing field \"image\""),
                Text(root, "web_caption", where),
                Text(root, "synthetic_caption", where),
                RelativePath(root, "labels", where),
                RelativePath(root, "depth", where));
        }
    }

    private static string Text(JsonElement root, string name, string where)
    {
        if (!root.TryGetProperty(name, out var v)) throw new TipsException($"{where}: missing field \"{name}\"");
        if (v.ValueKind != JsonValueKind.String) throw new TipsException($"{where}: field \"{name}\" must be a string, got {v.ValueKind}");
        return v.GetString()!;
    }

    /// <summary>A path inside the folder: relative, no "..", so an index cannot point at arbitrary files.</summary>
    private static string? RelativePath(JsonElement root, string name, string where)
    {
        if (!root.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind != JsonValueKind.String) throw new TipsException($"{where}: field \"{name}\" must be a string, got {v.ValueKind}");
        string path = v.GetString()!;
        if (path.Length == 0 || Path.IsPathRooted(path) || path.Split('/', '\\').Any(part => part is ".." or ""))
            throw new TipsException($"{where}: field \"{name}\" must be a relative path inside the dataset folder, got \"{path}\"");
        return path;
    }

    public Example Get(long index)
    {
        if (index < 0 || index >= _entries.Length) throw new TipsException($"example {index} is outside [0, {_entries.Length})");
        var e = _entries[index];
        string where = $"{Path.Combine(Folder, IndexFile)}:{e.Line}";
        var image = Load(e.Image, where);
        int[]? classes = e.Labels is null ? null : LoadLabels(e.Labels, image, where);
        float[]? depth = e.Depth is null ? null : LoadDepth(e.Depth, image, where);
        return new Example(image, e.WebCaption, e.SyntheticCaption, classes, depth);
    }

    private RgbImage Load(string relative, string where)
    {
        try
        {
            return ImageLoader.Load(Path.Combine(Folder, relative));
        }
        catch (TipsException ex)
        {
            throw new TipsException($"{where}: {ex.Message}");
        }
    }

    private int[] LoadLabels(string relative, RgbImage image, string where)
    {
        var labels = Load(relative, where);
        if (labels.Height != image.Height || labels.Width != image.Width)
            throw new TipsException($"{where}: labels are {labels.Height}x{labels.Width} but the image is {image.Height}x{image.Width}");
        var classes = new int[labels.Height * labels.Width];
        var p = labels.Pixels;
        for (int i = 0; i < classes.Length; i++)
        {
            if (p[3 * i] != p[3 * i + 1] || p[3 * i] != p[3 * i + 2])
                throw new TipsException($"{where}: labels {relative} must be greyscale (class id = grey value), pixel {i} is not");
            // Loaded values are exact byte / 255.
            classes[i] = (int)MathF.Round(p[3 * i] * 255);
        }
        return classes;
    }

    private float[] LoadDepth(string relative, RgbImage image, string where)
    {
        NdArray array;
        try
        {
            array = Npy.Read(Path.Combine(Folder, relative));
        }
        catch (TipsException ex)
        {
            throw new TipsException($"{where}: {ex.Message}");
        }
        var shape = array.Shape;
        bool fits = (shape.Length == 2 || (shape.Length == 3 && shape[2] == 1)) && shape[0] == image.Height && shape[1] == image.Width;
        if (!fits) throw new TipsException($"{where}: depth {relative} has shape {NdArray.ShapeString(shape)}, expected ({image.Height}, {image.Width})");
        if (!array.IsFloat) throw new TipsException($"{where}: depth {relative} has dtype {array.DType}, expected a float type");
        return array.Floats;
    }
}
