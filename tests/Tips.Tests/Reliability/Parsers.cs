using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Tips.Model.Checkpoints;
using Tips.Model.Config;
using Tips.Model.Images;
using Tips.Model.Text;
using Tips.Train.Data;
using Tips.Train.Training;

namespace Tips.Tests.Reliability;

/// <summary>Every file parser of the project with valid seed files to mutate, and how to run it on bytes.</summary>
public sealed record Parser(string Name, string Extension, Func<byte[][]> Seeds, Func<byte[], int> HotEnd, Action<string> Parse)
{
    /// <summary>An exported scene dataset whose index the jsonl mutants replace (images, labels and depth stay valid).</summary>
    private static readonly Lazy<string> JsonlFolder = new(() =>
    {
        string dir = Directory.CreateTempSubdirectory("tips-fuzz-jsonl-").FullName;
        var scenes = new SceneDataset(new SceneGenerator(30, 24), Split.Validation, 3);
        JsonlWriter.Export(dir, Enumerable.Range(0, 3).Select(i => scenes.Get(i)));
        return dir;
    });

    private static readonly string[] Probes = ["a photo of a cat", "École über café — 42!", "  中文 😀 \t x  "];

    public static readonly Parser[] All =
    [
        new("npy", ".npy", NpySeeds, d => d.Length, path => Npy.Read(path)),
        new("npz", ".npz", () => StateSeeds(".npz"), d => d.Length, LoadState),
        new("safetensors", ".safetensors", () => StateSeeds(".safetensors"), d => d.Length, LoadState),
        // The pieces and specs come before the 237 kB charsmap of the tiny tokenizer: mutate there.
        new("sentencepiece", ".model", () => [File.ReadAllBytes(Path.Combine(Paths.Tiny, "tokenizer.model"))], d => Math.Max(64, d.Length - 237_600), path =>
        {
            var model = SentencePieceModel.Load(path);
            foreach (var p in Probes) model.Encode(Encoding.UTF8.GetBytes(p));
        }),
        new("config", ".json", () => [File.ReadAllBytes(Path.Combine(Paths.Tiny, "config.json"))], d => d.Length, path => TipsConfig.Load(path)),
        new("image", ".img", ImageSeeds, d => Math.Min(d.Length, 256), path => ImageLoader.Load(path)),
        new("run", ".json", RunSeeds, d => d.Length, path => RunConfig.Load(path, [])),
        new("jsonl", ".jsonl", () => [File.ReadAllBytes(Path.Combine(JsonlFolder.Value, JsonlDataset.IndexFile))], d => d.Length, ReadJsonl),
    ];


    private static void ReadJsonl(string path)
    {
        string folder = Directory.CreateTempSubdirectory("tips-fuzz-jsonl-").FullName;
        try
        {
            foreach (var sub in Directory.GetDirectories(JsonlFolder.Value))
                Directory.CreateSymbolicLink(Path.Combine(folder, Path.GetFileName(sub)), sub);
            File.Copy(path, Path.Combine(folder, JsonlDataset.IndexFile));
            var dataset = JsonlDataset.Open(folder);
            for (long i = 0; i < Math.Min(dataset.Count, 8); i++) dataset.Get(i);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>run.json files naming the tiny model and tokenizer by absolute path, with scene and jsonl data.</summary>
    private static byte[][] RunSeeds()
    {
        string model = Path.Combine(Paths.Tiny, "config.json"), tokenizer = Path.Combine(Paths.Tiny, "tokenizer.model");
        string Run(string data) => $$$"""
            {"model": {{{System.Text.Json.JsonSerializer.Serialize(model)}}}, "tokenizer": {{{System.Text.Json.JsonSerializer.Serialize(tokenizer)}}},
             "data": {{{data}}}, "batch_size": 4, "global_size": 28, "local_size": 14, "local_crops": 2,
             "checkpoint_every": 10, "data_seed": 3, "max_bad_steps": 4,
             "train": {"total_steps": 20, "learning_rate": 0.001, "mask_ratio": 0.5, "mask_weight": 1.0, "prototypes": 64}}
            """;
        return
        [
            Encoding.UTF8.GetBytes(Run("""{"scenes": {"count": 64, "size": 28}}""")),
            Encoding.UTF8.GetBytes(Run($$"""{"jsonl": {{System.Text.Json.JsonSerializer.Serialize(JsonlFolder.Value)}}}""")),
        ];
    }

    public static Parser Named(string name) => All.Single(p => p.Name == name);

    private static void LoadState(string path)
    {
        StateDict.ReadShapes(path);
        StateDict.Load(path);
    }

    private static byte[] ViaFile(string extension, Action<string> write)
    {
        string path = Path.Combine(Path.GetTempPath(), "tips-seed-" + Guid.NewGuid().ToString("N") + extension);
        try
        {
            write(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static NdArray[] Arrays() =>
    [
        NdArray.FromFloats([0.5f, -1.25f, 3f, 7.5f, -0.125f, 2f], [2, 3]),
        NdArray.FromFloats([1.5f, -2f], [2], DType.F16),
        NdArray.FromInts([3, -4, 5, 9], [4], DType.I64),
        NdArray.FromFloats([0.75f], []),
    ];

    private static byte[][] NpySeeds() => Arrays().Select(a => ViaFile(".npy", p => Npy.Write(p, a))).ToArray();

    private static byte[][] StateSeeds(string extension)
    {
        var state = new StateDict("seed");
        var arrays = Arrays();
        string[] keys = ["blocks.0.attn.qkv.weight", "cls_token", "ids", "temperature"];
        for (int i = 0; i < keys.Length; i++) state.Add(keys[i], arrays[i]);
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["loader_position"] = "12" };
        return extension == ".npz"
            ? [ViaFile(".npz", p => Npz.Write(p, state, compress: false)), ViaFile(".npz", p => Npz.Write(p, state, compress: true))]
            : [ViaFile(".safetensors", p => state.SaveSafetensors(p, metadata))];
    }

    private static byte[][] ImageSeeds()
    {
        using var image = new Image<Rgba32>(6, 5);
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 6; x++) image[x, y] = new Rgba32((byte)(40 * x), (byte)(50 * y), (byte)(7 * x * y), (byte)(255 - 20 * x));
        byte[] Encode(Action<MemoryStream> save)
        {
            using var s = new MemoryStream();
            save(s);
            return s.ToArray();
        }
        return
        [
            File.ReadAllBytes(Path.Combine(Paths.Tiny, "images", "img_42x70.png")),
            Encode(s => image.SaveAsPng(s)),
            Encode(s => image.SaveAsJpeg(s)),
            Encode(s => image.SaveAsBmp(s)),
            Encode(s => image.SaveAsGif(s)),
        ];
    }
}
