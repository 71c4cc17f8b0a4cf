using System.Collections;

namespace Tips.Model.Checkpoints;

/// <summary>An ordered map from PyTorch state-dict key to array, loaded from or saved to .npz or
/// .safetensors. Keys keep their file order.</summary>
public sealed class StateDict(string source = "state dict") : IEnumerable<KeyValuePair<string, NdArray>>
{
    private readonly List<string> keys = [];
    private readonly Dictionary<string, NdArray> arrays = new(StringComparer.Ordinal);

    /// <summary>Where the arrays came from (a file path), used in error messages.</summary>
    public string Source { get; } = source;

    /// <summary>safetensors <c>__metadata__</c> (empty for .npz).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    public int Count => keys.Count;

    public IReadOnlyList<string> Keys => keys;

    public NdArray this[string key] =>
        arrays.TryGetValue(key, out var a) ? a : throw new TipsException($"{Source}: missing key '{key}'");

    public bool Contains(string key) => arrays.ContainsKey(key);

    public bool TryGet(string key, out NdArray array) => arrays.TryGetValue(key, out array!);

    public void Add(string key, NdArray array)
    {
        if (string.IsNullOrEmpty(key)) throw new TipsException($"{Source}: empty key");
        if (!arrays.TryAdd(key, array)) throw new TipsException($"{Source}: duplicate key '{key}'");
        keys.Add(key);
    }

    /// <summary>Float data of <paramref name="key"/>, checked against the shape the model expects.</summary>
    public float[] Floats(string key, params int[] expectedShape)
    {
        var a = this[key];
        if (!a.Shape.AsSpan().SequenceEqual(expectedShape))
            throw new TipsException($"{Source}: '{key}' is {NdArray.ShapeString(a.Shape)} in the file, expected {NdArray.ShapeString(expectedShape)}");
        if (!a.IsFloat) throw new TipsException($"{Source}: '{key}' is {a.DType}, expected a float array");
        return a.Floats;
    }

    /// <summary>Key -> shape, in file order.</summary>
    public IReadOnlyDictionary<string, int[]> Shapes() => keys.ToDictionary(k => k, k => arrays[k].Shape, StringComparer.Ordinal);

    /// <summary>Strict load check: one error listing missing/unexpected keys and shape mismatches.</summary>
    public void CheckShapes(IReadOnlyDictionary<string, int[]> expected, IEnumerable<string>? optional = null) =>
        ShapeCheck.Compare(expected, Shapes(), Source, optional);

    /// <summary>Loads .npz or .safetensors, chosen by the file extension.</summary>
    public static StateDict Load(string path) => Format(path) == ".npz" ? LoadNpz(path) : LoadSafetensors(path);

    public static StateDict LoadNpz(string path) => Npz.Read(path);

    public static StateDict LoadSafetensors(string path) => Safetensors.Read(path);

    /// <summary>Key -> shape of a .npz or .safetensors file, reading headers only.</summary>
    public static Dictionary<string, int[]> ReadShapes(string path) =>
        Format(path) == ".npz" ? Npz.ReadShapes(path) : Safetensors.ReadShapes(path);

    /// <summary>Writes .npz or .safetensors (by extension) through a temporary file and a rename.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (Format(path) == ".npz")
        {
            if (metadata is { Count: > 0 }) throw new TipsException($"{path}: .npz cannot hold metadata; use .safetensors");
            SaveNpz(path);
        }
        else SaveSafetensors(path, metadata);
    }

    public void SaveNpz(string path, bool compress = false) => Npz.Write(path, this, compress);

    public void SaveSafetensors(string path, IReadOnlyDictionary<string, string>? metadata = null) => Safetensors.Write(path, this, metadata);

    public IEnumerator<KeyValuePair<string, NdArray>> GetEnumerator() =>
        keys.Select(k => new KeyValuePair<string, NdArray>(k, arrays[k])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static string Format(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext is ".npz" or ".safetensors" ? ext : throw new TipsException($"{path}: unknown checkpoint format '{ext}' (expected .npz or .safetensors)");
    }
}
