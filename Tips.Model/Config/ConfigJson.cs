using System.Text;
using System.Text.Json;

namespace Tips.Model.Config;

/// <summary>Strict reading and writing of the config JSON: every field required, no unknown or repeated
/// fields, integers only where integers belong.</summary>
internal static class ConfigJson
{
    private static readonly string[] VisionFields = ["width", "depth", "heads", "mlp_dim", "ffn", "patch_size", "pos_grid"];
    private static readonly string[] TextFields = ["width", "depth", "heads", "mlp_dim", "vocab_size", "max_len"];

    public static TipsConfig Parse(string json, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new TipsException($"{source}: config is not valid JSON ({e.Message})");
        }
        using (doc)
        {
            var root = Fields(doc.RootElement, "", ["vision", "text"], source);
            var v = Fields(root["vision"], "vision.", VisionFields, source);
            var t = Fields(root["text"], "text.", TextFields, source);
            var config = new TipsConfig(
                new VisionConfig(Int(v, "vision.width", source), Int(v, "vision.depth", source), Int(v, "vision.heads", source),
                    Int(v, "vision.mlp_dim", source), Ffn(v["ffn"], source), Int(v, "vision.patch_size", source), Int(v, "vision.pos_grid", source)),
                new TextConfig(Int(t, "text.width", source), Int(t, "text.depth", source), Int(t, "text.heads", source),
                    Int(t, "text.mlp_dim", source), Int(t, "text.vocab_size", source), Int(t, "text.max_len", source)));
            config.Check(source);
            return config;
        }
    }

    public static string Format(TipsConfig c)
    {
        var v = c.Vision;
        var t = c.Text;
        var ffn = v.Ffn == FfnKind.SwiGlu ? "swiglu" : "mlp";
        var sb = new StringBuilder();
        sb.Append("{\n  \"vision\": {\n");
        sb.Append($"    \"width\": {v.Width},\n    \"depth\": {v.Depth},\n    \"heads\": {v.Heads},\n    \"mlp_dim\": {v.MlpDim},\n");
        sb.Append($"    \"ffn\": \"{ffn}\",\n    \"patch_size\": {v.PatchSize},\n    \"pos_grid\": {v.PosGrid}\n  }},\n  \"text\": {{\n");
        sb.Append($"    \"width\": {t.Width},\n    \"depth\": {t.Depth},\n    \"heads\": {t.Heads},\n    \"mlp_dim\": {t.MlpDim},\n");
        sb.Append($"    \"vocab_size\": {t.VocabSize},\n    \"max_len\": {t.MaxLen}\n  }}\n}}\n");
        return sb.ToString();
    }

    /// <summary>The members of a JSON object, which must be exactly <paramref name="allowed"/>.</summary>
    private static Dictionary<string, JsonElement> Fields(JsonElement obj, string prefix, string[] allowed, string source)
    {
        var where = prefix.Length == 0 ? "top level" : prefix.TrimEnd('.');
        if (obj.ValueKind != JsonValueKind.Object) throw new TipsException($"{source}: {where} must be a JSON object");
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject())
        {
            if (Array.IndexOf(allowed, p.Name) < 0)
                throw new TipsException($"{source}: unknown field '{prefix}{p.Name}' (allowed in {where}: {string.Join(", ", allowed)})");
            if (!fields.TryAdd(p.Name, p.Value)) throw new TipsException($"{source}: field '{prefix}{p.Name}' appears twice");
        }
        foreach (var name in allowed)
            if (!fields.ContainsKey(name)) throw new TipsException($"{source}: missing field '{prefix}{name}'");
        return fields;
    }

    private static int Int(Dictionary<string, JsonElement> fields, string field, string source)
    {
        var e = fields[field[(field.IndexOf('.') + 1)..]];
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var value))
            throw new TipsException($"{source}: {field} must be an integer, got {e.GetRawText()}");
        return value;
    }

    private static FfnKind Ffn(JsonElement e, string source) => e.ValueKind == JsonValueKind.String
        ? e.GetString() switch
        {
            "mlp" => FfnKind.Mlp,
            "swiglu" => FfnKind.SwiGlu,
            var s => throw new TipsException($"{source}: vision.ffn must be \"mlp\" or \"swiglu\", got \"{s}\""),
        }
        : throw new TipsException($"{source}: vision.ffn must be a string, got {e.GetRawText()}");
}
