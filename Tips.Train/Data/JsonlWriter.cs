using System.Text.Encodings.Web;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Tips.Model;
using Tips.Model.Checkpoints;

namespace Tips.Train.Data;

/// <summary>
/// Exports examples as a folder that <see cref="JsonlDataset"/> reads: images/NNNNNN.png (RGB, byte = round(255 v)),
/// labels/NNNNNN.png (greyscale, grey = class id), depth/NNNNNN.npy (float32 (H, W)), index.jsonl last. Every file
/// goes through a temporary sibling and a rename, so an interrupted export never leaves a truncated file or an
/// index that names missing files.
/// </summary>
public static class JsonlWriter
{
    private static readonly JsonWriterOptions LineOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the examples in order; returns how many were written.</summary>
    public static int Export(string folder, IEnumerable<Example> examples)
    {
        string root = Path.GetFullPath(folder);
        var lines = new List<string>();
        foreach (var example in examples)
        {
            string name = $"{lines.Count:D6}";
            if (lines.Count == 0) CreateFolder(Path.Combine(root, "images"));
            string image = $"images/{name}.png";
            AtomicFile.Write(Path.Combine(root, image), s =>
            {
                using var png = EncodeRgb(example);
                png.SaveAsPng(s);
            });
            string? labels = null, depth = null;
            if (example.Classes is { } classes)
            {
                labels = $"labels/{name}.png";
                CreateFolder(Path.Combine(root, "labels"));
                AtomicFile.Write(Path.Combine(root, labels), s =>
                {
                    using var png = EncodeLabels(classes, example.Height, example.Width, labels);
                    png.SaveAsPng(s);
                });
            }
            if (example.Depth is { } d)
            {
                depth = $"depth/{name}.npy";
                CreateFolder(Path.Combine(root, "depth"));
                Npy.Write(Path.Combine(root, depth), NdArray.FromFloats(d, [example.Height, example.Width]));
            }
            lines.Add(Line(image, example.WebCaption, example.SyntheticCaption, labels, depth));
        }
        if (lines.Count == 0) throw new TipsException($"{root}: nothing to export");
        AtomicFile.Write(Path.Combine(root, JsonlDataset.IndexFile), s =>
        {
            using var w = new StreamWriter(s, leaveOpen: true);
            foreach (var line in lines) w.Write(line + "\n");
        });
        return lines.Count;
    }

    private static void CreateFolder(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TipsException($"{path}: cannot create folder ({e.Message})");
        }
    }

    private static string Line(string image, string web, string synthetic, string? labels, string? depth)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, LineOptions))
        {
            w.WriteStartObject();
            w.WriteString("image", image);
            w.WriteString("web_caption", web);
            w.WriteString("synthetic_caption", synthetic);
            if (labels is not null) w.WriteString("labels", labels);
            if (depth is not null) w.WriteString("depth", depth);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static Image<Rgb24> EncodeRgb(Example example)
    {
        var p = example.Image.Pixels;
        var img = new Image<Rgb24>(example.Width, example.Height);
        img.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    int o = (y * example.Width + x) * 3;
                    row[x] = new Rgb24(ToByte(p[o]), ToByte(p[o + 1]), ToByte(p[o + 2]));
                }
            }
        });
        return img;
    }

    private static Image<L8> EncodeLabels(int[] classes, int height, int width, string what)
    {
        var img = new Image<L8>(width, height);
        img.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    int c = classes[y * width + x];
                    if (c is < 0 or > 255) throw new TipsException($"{what}: class id {c} does not fit a greyscale PNG (0..255)");
                    row[x] = new L8((byte)c);
                }
            }
        });
        return img;
    }

    private static byte ToByte(float v) => (byte)Math.Clamp(MathF.Round(v * 255), 0, 255);
}
