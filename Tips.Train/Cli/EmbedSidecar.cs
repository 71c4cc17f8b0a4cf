using System.Text;
using Tips.Model;
using Tips.Model.Checkpoints;

namespace Tips.Train.Cli;

/// <summary>
/// Partial results of <c>tips embed</c> (<c>&lt;out&gt;.partial.npz</c>), rewritten atomically after each batch: cls1 and
/// cls2 rows, the file names of those rows and the identity of the model and input size that produced them, all in
/// one file so a crash never leaves rows and names out of step. Strings are stored as UTF-8 bytes (u1 arrays).
/// </summary>
internal sealed class EmbedSidecar(string path, string identity, int width)
{
    private readonly List<string> names = [];
    private readonly List<float> cls1 = [];
    private readonly List<float> cls2 = [];

    public string Path { get; } = path;

    public int Count => names.Count;

    public IReadOnlyList<string> Names => names;

    public static string PathFor(string output) => output + ".partial.npz";

    /// <summary>The sidecar at <paramref name="path"/> if it exists, else an empty one; a sidecar from another
    /// model or input size is an error rather than silently mixed in.</summary>
    public static EmbedSidecar Open(string path, string identity, int width)
    {
        var sidecar = new EmbedSidecar(path, identity, width);
        if (!File.Exists(path)) return sidecar;
        var state = StateDict.LoadNpz(path);
        foreach (var key in new[] { "identity", "names", "cls1", "cls2" })
            if (!state.Contains(key)) throw new TipsException($"{path}: not a tips embed sidecar (no '{key}'); delete it to start over");
        if (Text(state["identity"]) != identity)
            throw new TipsException($"{path}: partial results from another model or input size ({Text(state["identity"])}); delete it to start over");
        var rows = Text(state["names"]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var c1 = state["cls1"];
        var c2 = state["cls2"];
        if (c1.Shape.Length != 2 || c1.Shape[0] != rows.Length || c1.Shape[1] != width || !c2.Shape.SequenceEqual(c1.Shape))
            throw new TipsException($"{path}: {rows.Length} names but cls1 {NdArray.ShapeString(c1.Shape)}, cls2 {NdArray.ShapeString(c2.Shape)} (width {width}); delete it to start over");
        sidecar.names.AddRange(rows);
        sidecar.cls1.AddRange(c1.Floats);
        sidecar.cls2.AddRange(c2.Floats);
        return sidecar;
    }

    public void Add(string name, ReadOnlySpan<float> rowCls1, ReadOnlySpan<float> rowCls2)
    {
        names.Add(name);
        cls1.AddRange(rowCls1);
        cls2.AddRange(rowCls2);
    }

    /// <summary>Row <paramref name="i"/> of cls1 and cls2.</summary>
    public (float[] Cls1, float[] Cls2) Row(int i) =>
        (cls1.GetRange(i * width, width).ToArray(), cls2.GetRange(i * width, width).ToArray());

    public void Save() =>
        new StateDict(Path)
        {
            { "identity", Bytes(identity) },
            { "names", Bytes(string.Join('\n', names)) },
            { "cls1", NdArray.FromFloats(cls1.ToArray(), [names.Count, width]) },
            { "cls2", NdArray.FromFloats(cls2.ToArray(), [names.Count, width]) },
        }.SaveNpz(Path);

    private static NdArray Bytes(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        return NdArray.FromInts(bytes.Select(b => (int)b).ToArray(), [bytes.Length], DType.U8);
    }

    private static string Text(NdArray a) => Encoding.UTF8.GetString(a.Ints.Select(i => (byte)i).ToArray());
}
