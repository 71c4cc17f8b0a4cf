using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Tips.Model;
using Tips.Model.Checkpoints;
using Tips.Model.Images;
using Tips.Train.Data;

namespace Tips.Tests.Data;

public sealed class JsonlDatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tips-jsonl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ExportedScenesReadBackExactly()
    {
        var scenes = new SceneDataset(new SceneGenerator(30, 44), Split.Validation, 6);
        var examples = Enumerable.Range(0, 6).Select(i => scenes.Get(i)).ToList();
        // Captions that need escaping, and an example without maps.
        var plain = new Example(examples[0].Image, "say \"hi\" \\ caf\u00e9 \u2603", "line\nbreak\ttab");
        examples.Add(plain);
        Assert.Equal(7, JsonlWriter.Export(_dir, examples));
        Assert.Empty(Directory.EnumerateFiles(_dir, "*.tmp-*", SearchOption.AllDirectories));

        var ds = JsonlDataset.Open(_dir);
        Assert.Equal(7, ds.Count);
        for (int i = 0; i < 7; i++)
        {
            var a = examples[i];
            var b = ds.Get(i);
            Assert.Equal((a.Height, a.Width), (b.Height, b.Width));
            for (int k = 0; k < a.Image.Pixels.Length; k++)
                Assert.Equal(MathF.Round(a.Image.Pixels[k] * 255) / 255f, b.Image.Pixels[k]);
            Assert.Equal(a.Classes, b.Classes);
            Assert.Equal(a.Depth, b.Depth);
            Assert.Equal(a.WebCaption, b.WebCaption);
            Assert.Equal(a.SyntheticCaption, b.SyntheticCaption);
        }
        Assert.Null(ds.Get(6).Classes);
        Assert.Throws<TipsException>(() => ds.Get(7));
    }

    private void WriteIndex(params string[] lines) => File.WriteAllText(Path.Combine(_dir, "index.jsonl"), string.Join("\n", lines));

    private void WritePng(string name, int w, int h, Func<int, int, Rgb24> pixel)
    {
        using var img = new Image<Rgb24>(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) img[x, y] = pixel(x, y);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_dir, name))!);
        img.SaveAsPng(Path.Combine(_dir, name));
    }

    private const string Good = """{"image": "a.png", "web_caption": "a cat", "synthetic_caption": "a black cat"}""";

    [Theory]
    [InlineData("{\"image\": \"a.png\", \"web_caption\": \"x\"", "invalid JSON")]
    [InlineData("""["a.png"]""", "expected a JSON object")]
    [InlineData("""{"web_caption": "x", "synthetic_caption": "y"}""", "missing field \"image\"")]
    [InlineData("""{"image": "a.png", "synthetic_caption": "y"}""", "missing field \"web_caption\"")]
    [InlineData("""{"image": "a.png", "web_caption": 3, "synthetic_caption": "y"}""", "\"web_caption\" must be a string")]
    [InlineData("""{"image": "a.png", "web_caption": "x", "synthetic_caption": "y", "caption": "z"}""", "unknown field \"caption\"")]
    [InlineData("""{"image": "/etc/passwd", "web_caption": "x", "synthetic_caption": "y"}""", "relative path inside")]
    [InlineData("""{"image": "../a.png", "web_caption": "x", "synthetic_caption": "y"}""", "relative path inside")]
    [InlineData("""{"image": "a.png", "web_caption": "x", "synthetic_caption": "y", "depth": 5}""", "\"depth\" must be a string")]
    public void BadLinesNameTheirLineNumber(string bad, string message)
    {
        WriteIndex(Good, "", bad, Good);
        var e = Assert.Throws<TipsException>(() => JsonlDataset.Open(_dir));
        Assert.Contains("index.jsonl:3:", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void MissingOrEmptyIndexIsAnError()
    {
        Assert.Contains("cannot read", Assert.Throws<TipsException>(() => JsonlDataset.Open(_dir)).Message);
        WriteIndex("", "  ");
        Assert.Contains("no examples", Assert.Throws<TipsException>(() => JsonlDataset.Open(_dir)).Message);
    }

    [Fact]
    public void BadFilesNameTheirLineAndFile()
    {
        WritePng("img/a.png", 5, 4, (x, y) => new Rgb24((byte)(x * 40), (byte)(y * 50), 7));
        WritePng("lab/grey.png", 5, 4, (x, y) => new Rgb24((byte)x, (byte)x, (byte)x));
        WritePng("lab/colour.png", 5, 4, (x, y) => new Rgb24(1, 2, 3));
        WritePng("lab/small.png", 4, 4, (x, y) => new Rgb24(1, 1, 1));
        Directory.CreateDirectory(Path.Combine(_dir, "d"));
        Npy.Write(Path.Combine(_dir, "d/ok.npy"), NdArray.FromFloats(Enumerable.Range(0, 20).Select(i => i * 0.5f).ToArray(), [4, 5]));
        Npy.Write(Path.Combine(_dir, "d/wrong.npy"), NdArray.FromFloats(new float[20], [5, 4]));
        File.WriteAllText(Path.Combine(_dir, "img/broken.png"), "not a png");
        static string L(string image, string? labels = null, string? depth = null) =>
            $$"""{"image": "{{image}}", "web_caption": "w", "synthetic_caption": "s"{{(labels is null ? "" : $", \"labels\": \"{labels}\"")}}{{(depth is null ? "" : $", \"depth\": \"{depth}\"")}}}""";
        WriteIndex(L("img/a.png", "lab/grey.png", "d/ok.npy"), L("img/missing.png"), L("img/broken.png"), L("img/a.png", "lab/colour.png"),
            L("img/a.png", "lab/small.png"), L("img/a.png", depth: "d/wrong.npy"), L("img/a.png", depth: "d/none.npy"));
        var ds = JsonlDataset.Open(_dir);
        var ok = ds.Get(0);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i % 5), ok.Classes);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i * 0.5f), ok.Depth);
        Assert.Equal(40 / 255f, ok.Image[0, 1, 0]);
        (int Index, string Message)[] failures =
        [
            (1, "missing.png"), (2, "broken.png: not an image"), (3, "must be greyscale"), (4, "labels are 4x4 but the image is 4x5"),
            (5, "has shape (5, 4), expected (4, 5)"), (6, "none.npy"),
        ];
        foreach (var (index, message) in failures)
        {
            var e = Assert.Throws<TipsException>(() => ds.Get(index));
            Assert.Contains($"index.jsonl:{index + 1}:", e.Message);
            Assert.True(e.Message.Contains(message), $"\"{message}\" not in \"{e.Message}\"");
        }
    }

    [Fact]
    public void ExportOfNothingIsAnError() =>
        Assert.Throws<TipsException>(() => JsonlWriter.Export(_dir, []));
}
