namespace Tips.Model.Config;

/// <summary>A released TIPS model (v1 and v2 share sizes and differ only in file names).</summary>
public sealed record OfficialVariant(string Name, TipsConfig Config);

/// <summary>The released variants (tips-model.md "Released variants"): patch 14, vocabulary 32000, text
/// length 64, position grid 32 (448 px native) except g/14 lowres (16, 224 px). Text heads = vision heads.</summary>
public static class OfficialVariants
{
    private const int Patch = 14, Vocab = 32000, TextLength = 64;

    public static IReadOnlyList<OfficialVariant> All { get; } =
    [
        Make("S/14", 384, 12, 6, 1536, FfnKind.Mlp, 12, 1536, 32),
        Make("B/14", 768, 12, 12, 3072, FfnKind.Mlp, 12, 3072, 32),
        Make("L/14", 1024, 24, 16, 4096, FfnKind.Mlp, 12, 4096, 32),
        // So400m: head dim 72, and a text tower as deep as the image tower.
        Make("So400m/14", 1152, 27, 16, 4304, FfnKind.Mlp, 27, 4304, 32),
        Make("g/14", 1536, 40, 24, 4096, FfnKind.SwiGlu, 12, 6144, 32),
        Make("g/14-lowres", 1536, 40, 24, 4096, FfnKind.SwiGlu, 12, 6144, 16),
    ];

    /// <summary>Looks a variant up by a loose name: "B", "b14", "B/14", "so400m", "so14", "g14_lowres",
    /// or a release file name such as "tips_oss_b14_highres_distilled_vision.npz" / "tips_v2_oss_so14".</summary>
    public static OfficialVariant Get(string name)
    {
        var n = name.Trim().ToLowerInvariant();
        // A release file path: keep the file name, which starts with "tips_".
        int release = n.LastIndexOf("tips_", StringComparison.Ordinal);
        if (release >= 0) n = n[release..];
        foreach (var suffix in new[] { ".npz", ".safetensors", "_vision", "_text" })
            if (n.EndsWith(suffix, StringComparison.Ordinal)) n = n[..^suffix.Length];
        foreach (var prefix in new[] { "tips_v2_oss_", "tips_oss_" })
            if (n.StartsWith(prefix, StringComparison.Ordinal)) n = n[prefix.Length..];
        bool lowres = n.Contains("lowres");
        foreach (var word in new[] { "lowres", "highres", "distilled", "largetext" }) n = n.Replace(word, "");
        n = n.Replace("/", "").Replace("_", "").Replace("-", "");
        var baseName = n switch
        {
            "s" or "s14" => "S/14",
            "b" or "b14" => "B/14",
            "l" or "l14" => "L/14",
            "so400m" or "so400m14" or "so" or "so14" => "So400m/14",
            "g" or "g14" => "g/14",
            _ => null,
        };
        if (baseName is null || (lowres && baseName != "g/14"))
            throw new TipsException($"unknown TIPS variant '{name}' (known: {string.Join(", ", All.Select(v => v.Name))})");
        return All.First(v => v.Name == (lowres ? "g/14-lowres" : baseName));
    }

    /// <summary>The heads of the released image tower with this width, depth and FFN kind, if any.</summary>
    public static int? VisionHeads(int width, int depth, FfnKind ffn) =>
        All.FirstOrDefault(v => v.Config.Vision.Width == width && v.Config.Vision.Depth == depth && v.Config.Vision.Ffn == ffn)?.Config.Vision.Heads;

    /// <summary>The heads of the released text tower with this width, depth and MLP size, if any.</summary>
    public static int? TextHeads(int width, int depth, int mlpDim) =>
        All.FirstOrDefault(v => v.Config.Text.Width == width && v.Config.Text.Depth == depth && v.Config.Text.MlpDim == mlpDim)?.Config.Text.Heads;

    private static OfficialVariant Make(string name, int width, int depth, int heads, int ffnHidden, FfnKind ffn, int textDepth, int textMlp, int grid) =>
        new(name, new TipsConfig(
            new VisionConfig(width, depth, heads, ffnHidden, ffn, Patch, grid),
            new TextConfig(width, textDepth, heads, textMlp, Vocab, TextLength)));
}
