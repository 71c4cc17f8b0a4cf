using Tips.Model.Config;

namespace Tips.Model;

/// <summary>
/// A short check that a checkpoint has the size a chosen variant or config describes, so a wrong --variant gives
/// one readable line (width, depth, ...) instead of the full key-by-key shape report.
/// </summary>
internal static class ConfigMatch
{
    public static void Vision(VisionConfig want, IReadOnlyDictionary<string, int[]> shapes, string source, string what)
    {
        int width = Dim(shapes, "patch_embed.proj.weight", 0), depth = Blocks(shapes, "blocks.");
        int tokens = Dim(shapes, "pos_embed", 1);
        int wantTokens = 1 + want.PosGrid * want.PosGrid;
        if (width >= 0 && depth > 0 && tokens >= 0 && (width != want.Width || depth != want.Depth || tokens != wantTokens))
            throw new TipsException($"{source} does not match {what}: the file has width {width}, depth {depth}, {tokens} position slots; " +
                                    $"{what} has width {want.Width}, depth {want.Depth}, {wantTokens} position slots");
    }

    public static void Text(TextConfig want, IReadOnlyDictionary<string, int[]> shapes, string source, string what)
    {
        int width = Dim(shapes, "token_embedding.weight", 1), vocab = Dim(shapes, "token_embedding.weight", 0);
        int depth = Blocks(shapes, "transformer.resblocks.");
        if (width >= 0 && depth > 0 && (width != want.Width || depth != want.Depth || vocab != want.VocabSize))
            throw new TipsException($"{source} does not match {what}: the file has width {width}, depth {depth}, vocabulary {vocab}; " +
                                    $"{what} has width {want.Width}, depth {want.Depth}, vocabulary {want.VocabSize}");
    }

    // Unreadable shapes return -1: the strict loader reports those itself.
    private static int Dim(IReadOnlyDictionary<string, int[]> shapes, string key, int axis) =>
        shapes.TryGetValue(key, out var s) && s.Length > axis ? s[axis] : -1;

    private static int Blocks(IReadOnlyDictionary<string, int[]> shapes, string prefix) =>
        shapes.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => k[prefix.Length..].Split('.')[0]).Distinct().Count();
}
