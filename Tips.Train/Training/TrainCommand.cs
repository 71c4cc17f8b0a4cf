using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Tips.Kernels;
using Tips.Model;
using Tips.Model.Checkpoints;
using Tips.Model.Config;
using Tips.Model.Nn;
using Tips.Model.Text;
using Tips.Train.Data;

namespace Tips.Train.Training;

/// <summary>
/// <c>tips train --config run.json --out RUN_DIR [--resume] [--until STEP] [--set key=value ...] [--device NAME]</c>.
/// run.json (paths relative to it): <c>{"model": "config.json", "tokenizer": "tokenizer.model",
/// "data": {"jsonl": "folder"} or {"scenes": {"count": N, "size": S}}, "batch_size": B, "global_size": G,
/// "local_size": L, "local_crops": M, "checkpoint_every": K, "data_seed": S, "train": {snake_case TrainOptions}}</c>.
/// <c>--set</c> overrides one train option (e.g. <c>captions=web</c>, <c>distill=false</c>, <c>masked_patches=false</c>,
/// <c>mask_ratio=0.5</c>, <c>mask_kind=block</c>, <c>ibot_all_positions=true</c>, <c>teacher=head_only_ema</c>).
/// Writes RUN_DIR/checkpoint.safetensors (every K steps and at the end, atomically), and at the end the student's
/// towers as RUN_DIR/vision.safetensors and text.safetensors in the release layout. One line per step on stdout.
/// </summary>
public static class TrainCommand
{
    public const string CheckpointFile = "checkpoint.safetensors";

    public static int Run(string[] args, TextWriter stdout)
    {
        string? config = null, outDir = null, device = "cpu";
        bool resume = false;
        int? until = null;
        var sets = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--config": config = Value(); break;
                case "--out": outDir = Value(); break;
                case "--device": device = Value(); break;
                case "--resume": resume = true; break;
                case "--until": until = ParseInt("--until", Value()); break;
                case "--set": sets.Add(Value()); break;
                default: throw new UsageException($"train: unknown option '{args[i]}'");
            }
        }
        if (config is null || outDir is null) throw new UsageException("train needs --config run.json and --out RUN_DIR");

        var run = RunConfig.Load(config, sets);
        Directory.CreateDirectory(outDir);
        string checkpoint = Path.Combine(outDir, CheckpointFile);
        using var backend = Backends.Create(device);
        using var trainer = new TipsTrainer(backend, run.Model, run.Options);
        long position = 0;
        if (resume)
        {
            if (!File.Exists(checkpoint)) throw new TipsException($"{checkpoint}: no checkpoint to resume from");
            var meta = trainer.LoadCheckpoint(checkpoint);
            if (!meta.TryGetValue("loader_position", out var p) || !long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out position))
                throw new TipsException($"{checkpoint}: no loader_position metadata");
        }
        var tokenizer = TipsTokenizer.Load(run.Tokenizer, run.Model.Text.MaxLen);
        var augment = AugmentOptions.Default(run.GlobalSize, run.LocalSize, run.LocalCrops);
        using var loader = new BatchLoader(run.Source, new LoaderOptions(run.BatchSize, augment, run.DataSeed), position);
        int last = Math.Min(until ?? run.Options.TotalSteps, run.Options.TotalSteps);
        var extra = () => new Dictionary<string, string> { ["loader_position"] = loader.Position.ToString(CultureInfo.InvariantCulture) };
        while (trainer.Step < last)
        {
            var micro = Enumerable.Range(0, run.Options.AccumulationSteps).Select(_ => ToTrainBatch(loader.Next(), tokenizer)).ToArray();
            var r = trainer.TrainStep(micro);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"step {r.Step} loss {r.Loss:R} clip_web {r.ClipWeb:R} clip_synthetic {r.ClipSynthetic:R} distill {r.Distill:R} mask {r.Mask:R} grad_norm {r.GradNorm:R} lr {r.LearningRate:R}{(r.Skipped ? " SKIPPED (non-finite loss or gradient)" : "")}"));
            if (trainer.Step % run.CheckpointEvery == 0 && !r.Skipped) trainer.SaveCheckpoint(checkpoint, extra());
        }
        trainer.SaveCheckpoint(checkpoint, extra());
        SaveTowers(trainer, outDir);
        return 0;
    }

    /// <summary>The student's towers in the release layout: OUT/vision.safetensors and OUT/text.safetensors.</summary>
    public static void SaveTowers(TipsTrainer trainer, string outDir)
    {
        trainer.Vision.Parameters.ToStateDict("vision").Save(Path.Combine(outDir, "vision.safetensors"));
        var text = trainer.Text.Parameters.ToStateDict("text");
        // The zero-shot divisor of the release is the web contrastive temperature tau = 1 / exp(log(1/tau)).
        var withTemperature = new StateDict("text");
        foreach (var (key, a) in text)
            withTemperature.Add(key, key == "temperature" ? NdArray.FromFloats([MathF.Exp(-trainer.LogInvTauWeb.ToHost()[0])], []) : a);
        withTemperature.Save(Path.Combine(outDir, "text.safetensors"));
    }

    /// <summary>A loader batch (B, M, L, L, 3 locals; caption strings) as the trainer's (M, B, L, L, 3) locals and token ids.</summary>
    public static TrainBatch ToTrainBatch(Batch batch, TipsTokenizer tokenizer)
    {
        int b = batch.Size, m = batch.LocalCount, crop = batch.LocalSize * batch.LocalSize * 3;
        var local = new float[batch.Local.Length];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < m; j++)
                Array.Copy(batch.Local, (i * m + j) * crop, local, (j * b + i) * crop, crop);
        int[] Ids(string[] captions) => captions.SelectMany(tokenizer.EncodeOne).ToArray();
        return new TrainBatch(b, batch.Global, batch.GlobalSize, local, m, batch.LocalSize, Ids(batch.WebCaptions), Ids(batch.SyntheticCaptions));
    }

    private static int ParseInt(string what, string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) && v >= 0
            ? v : throw new UsageException($"{what}: '{text}' is not a non-negative integer");

    /// <summary>run.json, parsed strictly.</summary>
    private sealed record RunConfig(TipsConfig Model, string Tokenizer, IExampleSource Source, TrainOptions Options,
        int BatchSize, int GlobalSize, int LocalSize, int LocalCrops, int CheckpointEvery, ulong DataSeed)
    {
        private static readonly string[] Keys = ["model", "tokenizer", "data", "batch_size", "global_size", "local_size", "local_crops", "checkpoint_every", "data_seed", "train"];

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
            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new TipsException($"{path}: expected a JSON object");
                foreach (var p in root.EnumerateObject())
                    if (!Keys.Contains(p.Name)) throw new TipsException($"{path}: unknown key '{p.Name}'");
                string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
                string Rel(string key) => Path.Combine(dir, Str(root, key, path));
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
                var model = TipsConfig.Load(Rel("model"));
                int global = Int(root, "global_size", path), local = Int(root, "local_size", path);
                return new RunConfig(model, Rel("tokenizer"), OpenSource(root, dir, path), options, Int(root, "batch_size", path),
                    global, local, Int(root, "local_crops", path), Math.Max(1, Int(root, "checkpoint_every", path)),
                    (ulong)(root.TryGetProperty("data_seed", out _) ? Int(root, "data_seed", path) : 0));
            }
        }

        private static IExampleSource OpenSource(JsonElement root, string dir, string path)
        {
            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
                throw new TipsException($"{path}: 'data' must be {{\"jsonl\": folder}} or {{\"scenes\": {{\"count\": N, \"size\": S}}}}");
            if (data.TryGetProperty("jsonl", out _)) return JsonlDataset.Open(Path.Combine(dir, Str(data, "jsonl", path)));
            if (data.TryGetProperty("scenes", out var scenes) && scenes.ValueKind == JsonValueKind.Object)
            {
                int size = Int(scenes, "size", path);
                return new SceneDataset(new SceneGenerator(size, size), Split.Train, Int(scenes, "count", path));
            }
            throw new TipsException($"{path}: 'data' must hold 'jsonl' or 'scenes'");
        }

        private static string Str(JsonElement e, string key, string path) =>
            e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new TipsException($"{path}: '{key}' must be a string");

        private static int Int(JsonElement e, string key, string path) =>
            e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) && i > 0
                ? i : throw new TipsException($"{path}: '{key}' must be a positive integer");

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
}
