using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tips.Model;
using Tips.Model.Config;
using Tips.Train.Data;

namespace Tips.Train.Training;

/// <summary>
/// run.json, parsed strictly (paths relative to it): <c>{"model": "config.json" or an inline model config,
/// "tokenizer": "tokenizer.model", "data": {"jsonl": "folder"} or {"scenes": {"count": N, "size": S, "typical_colour_share": P (default 0.75)}}
/// or {"stamps": {"count": N, "size": S}} (Tux Paint stamp scenes, <see cref="StampSceneGenerator"/>),
/// "batch_size": B, "global_size": G, "local_size": L, "local_crops": M, "checkpoint_every": K, "data_seed": S,
/// "max_bad_steps": N, "train": {snake_case TrainOptions}}</c>. <see cref="Resolved"/> is the same document with
/// every default, override and absolute path filled in; it is itself a valid run.json.
/// </summary>
public sealed record RunConfig(TipsConfig Model, string Tokenizer, IExampleSource Source, TrainOptions Options,
    int BatchSize, int GlobalSize, int LocalSize, int LocalCrops, int CheckpointEvery, ulong DataSeed, int MaxBadSteps,
    JsonObject Resolved)
{
    /// <summary>Consecutive skipped steps after which a run stops, unless run.json says otherwise.</summary>
    public const int DefaultMaxBadSteps = 5;

    private static readonly string[] Keys =
        ["model", "tokenizer", "data", "batch_size", "global_size", "local_size", "local_crops", "checkpoint_every", "data_seed", "max_bad_steps", "train"];

    public static RunConfig Load(string path, IReadOnlyList<string> sets)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new TipsException($"{path}: invalid JSON ({e.Message})");
        }
        catch (FileNotFoundException)
        {
            throw new TipsException($"{path}: no such file");
        }
        catch (DirectoryNotFoundException)
        {
            throw new TipsException($"{path}: no such file");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new TipsException($"{path}: expected a JSON object");
            foreach (var p in root.EnumerateObject())
                if (!Keys.Contains(p.Name)) throw new TipsException($"{path}: unknown key '{p.Name}'");
            string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            string Rel(JsonElement e, string key) => Path.GetFullPath(Path.Combine(dir, Str(e, key, path)));
            var options = new TrainOptions();
            if (root.TryGetProperty("train", out var train))
            {
                if (train.ValueKind != JsonValueKind.Object) throw new TipsException($"{path}: 'train' must be an object");
                foreach (var p in train.EnumerateObject())
                    options = SetOption(options, p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), path);
            }
            foreach (var s in sets)
            {
                int eq = s.IndexOf('=');
                if (eq <= 0) throw new UsageException($"--set '{s}' is not key=value");
                options = SetOption(options, s[..eq], s[(eq + 1)..], "--set");
            }
            options.Validate();
            var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.Object
                ? TipsConfig.Parse(m.GetRawText(), $"{path}: model")
                : TipsConfig.Load(Rel(root, "model"));
            string tokenizer = Rel(root, "tokenizer");
            var (source, data) = OpenSource(root, dir, path);
            int batch = Int(root, "batch_size", path), global = Int(root, "global_size", path), local = Int(root, "local_size", path);
            int crops = Int(root, "local_crops", path), every = Int(root, "checkpoint_every", path);
            ulong seed = root.TryGetProperty("data_seed", out _) ? (ulong)Int(root, "data_seed", path, min: 0) : 0;
            int maxBad = root.TryGetProperty("max_bad_steps", out _) ? Int(root, "max_bad_steps", path) : DefaultMaxBadSteps;
            var resolved = new JsonObject
            {
                ["model"] = JsonNode.Parse(model.ToJson()),
                ["tokenizer"] = tokenizer,
                ["data"] = data,
                ["batch_size"] = batch,
                ["global_size"] = global,
                ["local_size"] = local,
                ["local_crops"] = crops,
                ["checkpoint_every"] = every,
                ["data_seed"] = seed,
                ["max_bad_steps"] = maxBad,
                ["train"] = OptionsJson(options),
            };
            return new RunConfig(model, tokenizer, source, options, batch, global, local, crops, every, seed, maxBad, resolved);
        }
    }

    /// <summary>The resolved document as indented JSON.</summary>
    public string ToJson() => Resolved.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

    /// <summary>Every train option under its snake_case key (enums in snake_case too, e.g. "head_only_ema").</summary>
    public static JsonObject OptionsJson(TrainOptions options)
    {
        var json = new JsonObject();
        foreach (var prop in typeof(TrainOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            object value = prop.GetValue(options)!;
            json[SnakeCase(prop.Name)] = value switch
            {
                Enum e => SnakeCase(e.ToString()),
                float f => JsonValue.Create(f),
                int i => JsonValue.Create(i),
                bool b => JsonValue.Create(b),
                _ => throw new InvalidOperationException($"train option {prop.Name} of type {prop.PropertyType.Name}"),
            };
        }
        return json;
    }

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));

    private static (IExampleSource, JsonObject) OpenSource(JsonElement root, string dir, string path)
    {
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
            throw new TipsException($"{path}: 'data' must be {{\"jsonl\": folder}}, {{\"scenes\": {{\"count\": N, \"size\": S}}}} or {{\"stamps\": {{\"count\": N, \"size\": S}}}}");
        if (data.TryGetProperty("jsonl", out _))
        {
            string folder = Path.GetFullPath(Path.Combine(dir, Str(data, "jsonl", path)));
            return (JsonlDataset.Open(folder), new JsonObject { ["jsonl"] = folder });
        }
        if (data.TryGetProperty("scenes", out var scenes) && scenes.ValueKind == JsonValueKind.Object)
        {
            int size = Int(scenes, "size", path), count = Int(scenes, "count", path);
            double share = SceneGenerator.DefaultTypicalColourShare;
            if (scenes.TryGetProperty("typical_colour_share", out var s)
                && !(s.ValueKind == JsonValueKind.Number && s.TryGetDouble(out share) && share >= 0 && share <= 1))
                throw new TipsException($"{path}: 'typical_colour_share' must be a number in [0, 1]");
            // Recorded even when defaulted: a run started before the share existed (kinds independent of colour) then
            // refuses to resume on different data.
            return (new SceneDataset(new SceneGenerator(size, size, typicalColourShare: share), Split.Train, count),
                new JsonObject { ["scenes"] = new JsonObject { ["count"] = count, ["size"] = size, ["typical_colour_share"] = share } });
        }
        if (data.TryGetProperty("stamps", out var stamps) && stamps.ValueKind == JsonValueKind.Object)
        {
            int size = Int(stamps, "size", path), count = Int(stamps, "count", path);
            return (new StampDataset(StampSceneGenerator.FromDebian(size, size), Split.Train, count),
                new JsonObject { ["stamps"] = new JsonObject { ["count"] = count, ["size"] = size } });
        }
        throw new TipsException($"{path}: 'data' must hold 'jsonl', 'scenes' or 'stamps'");
    }

    private static string Str(JsonElement e, string key, string path) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new TipsException($"{path}: '{key}' must be a string");

    private static int Int(JsonElement e, string key, string path, int min = 1) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) && i >= min
            ? i : throw new TipsException($"{path}: '{key}' must be an integer >= {min}");

    /// <summary>Sets the TrainOptions property named by a snake_case key (mask_ratio -> MaskRatio) from text.</summary>
    private static TrainOptions SetOption(TrainOptions options, string key, string text, string where)
    {
        string name = string.Concat(key.Split('_').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..]));
        var prop = typeof(TrainOptions).GetProperty(name, BindingFlags.Public | BindingFlags.Instance)
            ?? throw new TipsException($"{where}: unknown train option '{key}'");
        var t = prop.PropertyType;
        object? value = t == typeof(int) && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i) ? i
            : t == typeof(float) && float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) ? f
            : t == typeof(bool) && bool.TryParse(text, out bool b) ? b
            : t.IsEnum && Enum.TryParse(t, text.Replace("_", ""), ignoreCase: true, out var en) && Enum.IsDefined(t, en!) ? en
            : null;
        if (value is null) throw new TipsException($"{where}: '{text}' is not a valid {key}");
        var copy = options with { };
        prop.SetValue(copy, value);
        return copy;
    }
}
