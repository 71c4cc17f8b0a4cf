using System.Globalization;
using Tips.Model.Checkpoints;

namespace Tips.Model.Config;

/// <summary>Reads a config off checkpoint shapes. Everything but the number of heads is in the shapes;
/// heads come from the caller or from recognising an official variant.</summary>
public static class ConfigInference
{
    /// <summary>Text length of the released models: the sinusoidal table leaves no trace in the shapes.</summary>
    public const int DefaultMaxLen = 64;

    /// <summary>Infers the whole config from key -> shape maps of both towers and checks every shape against it.</summary>
    public static TipsConfig Infer(IReadOnlyDictionary<string, int[]> vision, IReadOnlyDictionary<string, int[]> text,
        int? heads = null, string visionSource = "vision checkpoint", string textSource = "text checkpoint")
    {
        var config = new TipsConfig(InferVision(vision, heads, visionSource), InferText(text, heads, textSource));
        config.Check($"{visionSource} + {textSource}");
        return config;
    }

    public static TipsConfig Infer(StateDict vision, StateDict text, int? heads = null) =>
        Infer(vision.Shapes(), text.Shapes(), heads, vision.Source, text.Source);

    public static VisionConfig InferVision(IReadOnlyDictionary<string, int[]> shapes, int? heads = null, string source = "vision checkpoint")
    {
        var patch = Get(shapes, "patch_embed.proj.weight", 4, source);
        if (patch[1] != 3 || patch[2] != patch[3])
            throw new TipsException($"{source}: 'patch_embed.proj.weight' is {NdArray.ShapeString(patch)}, expected (D, 3, P, P)");
        int width = patch[0];
        var pos = Get(shapes, "pos_embed", 3, source);
        int grid = (int)Math.Round(Math.Sqrt(pos[1] - 1));
        if (pos[1] < 2 || grid * grid != pos[1] - 1)
            throw new TipsException($"{source}: 'pos_embed' is {NdArray.ShapeString(pos)}; its token count is not 1 + G*G");
        int depth = Depth(shapes, "blocks.", source);
        FfnKind ffn;
        int hidden;
        if (shapes.ContainsKey("blocks.0.mlp.fc1.weight"))
        {
            ffn = FfnKind.Mlp;
            hidden = Get(shapes, "blocks.0.mlp.fc1.weight", 2, source)[0];
        }
        else if (shapes.ContainsKey("blocks.0.mlp.w12.weight"))
        {
            ffn = FfnKind.SwiGlu;
            int rows = Get(shapes, "blocks.0.mlp.w12.weight", 2, source)[0];
            if (rows % 2 != 0) throw new TipsException($"{source}: 'blocks.0.mlp.w12.weight' has an odd row count {rows}; SwiGLU needs 2h");
            hidden = rows / 2;
        }
        else throw new TipsException($"{source}: neither 'blocks.0.mlp.fc1.weight' nor 'blocks.0.mlp.w12.weight' present");
        int h = heads ?? OfficialVariants.VisionHeads(width, depth, ffn)
            ?? throw new TipsException($"{source}: width {width}, depth {depth}, {ffn} FFN is not an official TIPS variant; the number of heads must come from a config");
        if (h < 1 || width % h != 0) throw new TipsException($"{source}: width {width} is not divisible by {h} heads");
        var config = new VisionConfig(width, depth, h, hidden, ffn, patch[2], grid);
        ShapeCheck.Compare(ParameterShapes.Vision(config), shapes, source, ParameterShapes.VisionOptional);
        return config;
    }

    public static TextConfig InferText(IReadOnlyDictionary<string, int[]> shapes, int? heads = null, string source = "text checkpoint")
    {
        var embedding = Get(shapes, "token_embedding.weight", 2, source);
        int vocab = embedding[0], width = embedding[1];
        int depth = Depth(shapes, "transformer.resblocks.", source);
        int mlp = Get(shapes, "transformer.resblocks.0.mlp.c_fc.weight", 2, source)[0];
        int h = heads ?? OfficialVariants.TextHeads(width, depth, mlp)
            ?? throw new TipsException($"{source}: width {width}, depth {depth}, MLP {mlp} is not an official TIPS text tower; the number of heads must come from a config");
        if (h < 1 || width % h != 0) throw new TipsException($"{source}: width {width} is not divisible by {h} heads");
        var config = new TextConfig(width, depth, h, mlp, vocab, DefaultMaxLen);
        ShapeCheck.Compare(ParameterShapes.Text(config), shapes, source);
        return config;
    }

    /// <summary>Checks both towers' keys and shapes against a config: one error naming every missing or
    /// unexpected key and every mismatched shape (key, file shape, expected shape).</summary>
    public static void Validate(TipsConfig config, IReadOnlyDictionary<string, int[]> vision, IReadOnlyDictionary<string, int[]> text,
        string visionSource = "vision checkpoint", string textSource = "text checkpoint")
    {
        ShapeCheck.Compare(ParameterShapes.Vision(config.Vision), vision, visionSource, ParameterShapes.VisionOptional);
        ShapeCheck.Compare(ParameterShapes.Text(config.Text), text, textSource);
    }

    public static void Validate(TipsConfig config, StateDict vision, StateDict text) =>
        Validate(config, vision.Shapes(), text.Shapes(), vision.Source, text.Source);

    private static int[] Get(IReadOnlyDictionary<string, int[]> shapes, string key, int rank, string source)
    {
        if (!shapes.TryGetValue(key, out var shape)) throw new TipsException($"{source}: missing key '{key}'");
        if (shape.Length != rank) throw new TipsException($"{source}: '{key}' is {NdArray.ShapeString(shape)}, expected {rank} dimensions");
        return shape;
    }

    /// <summary>Number of blocks under <paramref name="prefix"/>: indices must run 0..n-1 without gaps.</summary>
    private static int Depth(IReadOnlyDictionary<string, int[]> shapes, string prefix, string source)
    {
        var indices = new SortedSet<int>();
        foreach (var key in shapes.Keys)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var rest = key[prefix.Length..];
            int dot = rest.IndexOf('.');
            if (dot <= 0 || !int.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var i))
                throw new TipsException($"{source}: key '{key}' has no block index");
            indices.Add(i);
        }
        if (indices.Count == 0) throw new TipsException($"{source}: no '{prefix}N.*' keys (no blocks)");
        if (indices.Min != 0 || indices.Max != indices.Count - 1)
            throw new TipsException($"{source}: block indices under '{prefix}' are not 0..{indices.Max} without gaps");
        return indices.Count;
    }
}
