using System.Globalization;
using System.Text;
using Tips.Model;
using Tips.Model.Checkpoints;

namespace Tips.Train.Cli;

/// <summary>
/// Partial results of <c>tips embed</c>: a folder <c>&lt;out&gt;.partial</c> that gains one npz per finished batch,
/// each written atomically (temporary file + rename) and complete in itself: cls1 and cls2 rows, the file names of
/// those rows and the identity of the model and input size that produced them. A crash loses at most the batch in
/// flight, and saving costs one batch, not everything so far. Strings are stored as UTF-8 bytes (u1 arrays).
/// </summary>
internal sealed class EmbedSidecar
{
    private readonly string identity;
    private readonly int width;
    private readonly List<string> names = [];
    private readonly List<float> cls1 = [];
    private readonly List<float> cls2 = [];
    private int saved;
    private int nextFile;

    private EmbedSidecar(string path, string identity, int width)
    {
        Path = path;
        this.identity = identity;
        this.width = width;
    }

    public string Path { get; }

    public IReadOnlyList<string> Names => names;

    public static string PathFor(string output) => output + ".partial";

    /// <summary>The partial results at <paramref name="path"/> if any, else an empty set; results from another
    /// model or input size are an error rather than silently mixed in.</summary>
    public static EmbedSidecar Open(string path, string identity, int width)
    {
        var sidecar = new EmbedSidecar(path, identity, width);
        RemoveDoomed(path);
        if (File.Exists(path)) throw new TipsException($"{path} is a file, expected a folder of partial results; delete it to start over");
        if (!Directory.Exists(path)) return sidecar;
        var files = Directory.GetFiles(path).Where(f => f.EndsWith(".npz", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        foreach (var file in files)
        {
            var state = StateDict.LoadNpz(file);
            foreach (var key in new[] { "identity", "names", "cls1", "cls2" })
                if (!state.Contains(key)) throw new TipsException($"{file}: not a tips embed batch (no '{key}'); delete {path} to start over");
            if (Text(state["identity"]) != identity)
                throw new TipsException($"{file}: partial results from another model or input size ({Text(state["identity"])}); delete {path} to start over");
            var rows = Text(state["names"]).Split('\n');
            var c1 = state["cls1"];
            var c2 = state["cls2"];
            if (c1.Shape.Length != 2 || c1.Shape[0] != rows.Length || c1.Shape[1] != width || !c2.Shape.SequenceEqual(c1.Shape))
                throw new TipsException($"{file}: {rows.Length} names but cls1 {NdArray.ShapeString(c1.Shape)}, cls2 {NdArray.ShapeString(c2.Shape)} (width {width}); delete {path} to start over");
            sidecar.names.AddRange(rows);
            sidecar.cls1.AddRange(c1.Floats);
            sidecar.cls2.AddRange(c2.Floats);
        }
        sidecar.saved = sidecar.names.Count;
        sidecar.nextFile = files.Length;
        return sidecar;
    }

    public void Add(string name, ReadOnlySpan<float> rowCls1, ReadOnlySpan<float> rowCls2)
    {
        if (name.Contains('\n')) throw new TipsException($"file name with a line break cannot be recorded: {name.ReplaceLineEndings(" ")}");
        names.Add(name);
        cls1.AddRange(rowCls1);
        cls2.AddRange(rowCls2);
    }

    /// <summary>(cls1, cls2) of row <paramref name="i"/>.</summary>
    public (float[] Cls1, float[] Cls2) Row(int i) =>
        (cls1.GetRange(i * width, width).ToArray(), cls2.GetRange(i * width, width).ToArray());

    /// <summary>Writes the rows added since the last save as the next batch file.</summary>
    public void Save()
    {
        int count = names.Count - saved;
        if (count == 0) return;
        Directory.CreateDirectory(Path);
        var file = System.IO.Path.Combine(Path, nextFile.ToString("D6", CultureInfo.InvariantCulture) + ".npz");
        new StateDict(file)
        {
            { "identity", Bytes(identity) },
            { "names", Bytes(string.Join('\n', names.Skip(saved))) },
            { "cls1", NdArray.FromFloats(cls1.GetRange(saved * width, count * width).ToArray(), [count, width]) },
            { "cls2", NdArray.FromFloats(cls2.GetRange(saved * width, count * width).ToArray(), [count, width]) },
        }.SaveNpz(file);
        saved = names.Count;
        nextFile++;
    }

    /// <summary>Removes the partial results once the final output is written.</summary>
    public void Delete()
    {
        RemoveDoomed(Path);
        if (!Directory.Exists(Path)) return;
        // A kill in the middle of a recursive delete would leave some batches behind for the next run to resume
        // from: one rename takes the whole folder out of the way first.
        Directory.Move(Path, Doomed(Path));
        RemoveDoomed(Path);
    }

    private static string Doomed(string path) => path + ".deleting";

    /// <summary>Finishes a removal that a kill interrupted.</summary>
    private static void RemoveDoomed(string path)
    {
        if (Directory.Exists(Doomed(path))) Directory.Delete(Doomed(path), recursive: true);
    }

    private static NdArray Bytes(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        return NdArray.FromInts(bytes.Select(b => (int)b).ToArray(), [bytes.Length], DType.U8);
    }

    private static string Text(NdArray a) => Encoding.UTF8.GetString(a.Ints.Select(i => (byte)i).ToArray());
}
