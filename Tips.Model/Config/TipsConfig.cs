using Tips.Model.Checkpoints;

namespace Tips.Model.Config;

/// <summary>Feed-forward block of the image tower: fc1-GELU-fc2, or SwiGLU (w12, w3) for g/14.</summary>
public enum FfnKind { Mlp, SwiGlu }

/// <summary>Image tower sizes. <see cref="MlpDim"/> is the FFN hidden size h (SwiGLU: w12 has 2h rows).</summary>
public sealed record VisionConfig(int Width, int Depth, int Heads, int MlpDim, FfnKind Ffn, int PatchSize, int PosGrid)
{
    public int HeadDim => Width / Heads;
}

/// <summary>Text tower sizes; <see cref="MaxLen"/> is the token count texts are truncated/padded to.</summary>
public sealed record TextConfig(int Width, int Depth, int Heads, int MlpDim, int VocabSize, int MaxLen)
{
    public int HeadDim => Width / Heads;
}

/// <summary>The model configuration, in the project's JSON schema:
/// <c>{"vision": {width, depth, heads, mlp_dim, ffn, patch_size, pos_grid}, "text": {width, depth, heads, mlp_dim, vocab_size, max_len}}</c>.</summary>
public sealed record TipsConfig(VisionConfig Vision, TextConfig Text)
{
    /// <summary>Reads and strictly validates a config file.</summary>
    public static TipsConfig Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TipsException($"{path}: cannot read config ({e.Message})");
        }
        return Parse(json, path);
    }

    public static TipsConfig Parse(string json, string source = "config") => ConfigJson.Parse(json, source);

    /// <summary>An official variant by name: "B", "b14", "B/14", "So400m/14", "g14_lowres", or a release file name.</summary>
    public static TipsConfig FromVariant(string name) => OfficialVariants.Get(name).Config;

    public string ToJson() => ConfigJson.Format(this);

    public void Save(string path)
    {
        try
        {
            File.WriteAllText(path, ToJson());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TipsException($"{path}: cannot write config ({e.Message})");
        }
    }

    /// <summary>Throws <see cref="TipsException"/> naming the first out-of-range or inconsistent field.</summary>
    public void Check(string source = "config")
    {
        var v = Vision;
        var t = Text;
        Range(source, "vision.width", v.Width, 16384);
        Range(source, "vision.depth", v.Depth, 256);
        Range(source, "vision.heads", v.Heads, 512);
        Range(source, "vision.mlp_dim", v.MlpDim, 131072);
        Range(source, "vision.patch_size", v.PatchSize, 256);
        Range(source, "vision.pos_grid", v.PosGrid, 1024);
        Range(source, "text.width", t.Width, 16384);
        Range(source, "text.depth", t.Depth, 256);
        Range(source, "text.heads", t.Heads, 512);
        Range(source, "text.mlp_dim", t.MlpDim, 131072);
        Range(source, "text.vocab_size", t.VocabSize, 1 << 22);
        Range(source, "text.max_len", t.MaxLen, 16384);
        if (v.Width % v.Heads != 0) throw new TipsException($"{source}: vision.width {v.Width} is not divisible by vision.heads {v.Heads}");
        if (t.Width % t.Heads != 0) throw new TipsException($"{source}: text.width {t.Width} is not divisible by text.heads {t.Heads}");
        // Image and text embeddings are compared by cosine without projection heads.
        if (v.Width != t.Width) throw new TipsException($"{source}: vision.width {v.Width} differs from text.width {t.Width} (TIPS has no projection heads)");
        foreach (var (key, shape) in ParameterShapes.Vision(v).Concat(ParameterShapes.Text(t)))
        {
            long n = 1;
            foreach (var d in shape) n *= d;
            if (n > NdArray.MaxElements) throw new TipsException($"{source}: parameter '{key}' would have {n} elements, too many for one array");
        }
    }

    private static void Range(string source, string field, int value, int max)
    {
        if (value < 1 || value > max) throw new TipsException($"{source}: {field} = {value} is out of range [1, {max}]");
    }
}
