using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Tips.Kernels;
using Tips.Model;
using Tips.Model.Checkpoints;
using Tips.Model.Nn;
using Tips.Model.Text;
using Tips.Train.Cli;
using Tips.Train.Data;

namespace Tips.Train.Training;

/// <summary>
/// <c>tips train</c>: runs the recipe of <see cref="TipsTrainer"/> from a run.json (<see cref="RunConfig"/>) into a
/// run folder, with checkpoints, metrics, a loss curve, clean stops on Ctrl-C/SIGTERM and a limit on non-finite steps.
/// </summary>
public static class TrainCommand
{
    public const string CheckpointFile = "checkpoint.safetensors";
    public const string ResolvedFile = "run.resolved.json";
    public const string CurveFile = "loss_curve.png";

    internal static readonly CommandSpec Spec = new("train", "train a TIPS model (checkpoints, resume, metrics, loss curve)", """
        usage: tips train --config run.json --out RUN_DIR [--resume] [--until STEP] [--set key=value ...]
                          [--init-vision V] [--init-text T] [--device D]

        Trains a TIPS model (student towers, CLS and patch heads, EMA teacher, two learnt contrastive temperatures)
        as configured by run.json; paths in it are relative to it:
          {"model": "config.json" (or an inline model config), "tokenizer": "tokenizer.model",
           "data": {"jsonl": "folder"} or {"scenes": {"count": N, "size": S, "typical_colour_share": P}}
                   or {"stamps": {"count": N, "size": S}},
           "batch_size": B, "global_size": G, "local_size": L, "local_crops": M, "checkpoint_every": K,
           "data_seed": S, "max_bad_steps": N (default 5), "train": {snake_case options, e.g. "total_steps": 1000}}
        --set overrides one train option; the ablation switches are captions=web|synthetic|both, distill=false,
        masked_patches=false, mask_ratio=0.5, mask_kind=random|block, ibot_all_positions=true, sequential=0.5
        (contrastive losses only for the first half of the steps, then distillation and masking join),
        teacher=full_ema|head_only_ema. Generated scenes give a share P (default 0.75) of each kind's objects its typical
        colour; P = 0 makes colour and kind independent. Without --init-* the model starts from random values drawn
        from train.seed; --init-vision/--init-text start the student's towers from released checkpoints (*_vision.npz,
        *_text.npz or .safetensors of the configured shape) for fine-tuning.

        RUN_DIR receives run.resolved.json (every setting, default and override, absolute paths: usable as
        --config), checkpoint.safetensors (every checkpoint_every steps and at the end, written atomically),
        metrics.jsonl (per step: losses, grad norm, lr, tau values, images/s, stage times), loss_curve.png, and at
        the end the student's towers as vision.safetensors and text.safetensors in the release layout.
        --resume continues from the checkpoint (the resolved settings must be unchanged); on cpu it reproduces the
        uninterrupted run's losses to the last bit. --until stops (with a checkpoint) after that step.
        --device defaults to cpu here. Progress goes to stderr, a summary (images/s, share of time per stage) to stdout. Ctrl-C or SIGTERM finishes the current step, writes a checkpoint and exits 0.
        A step with a non-finite loss or gradient is skipped and reported; after max_bad_steps of them in a row
        the run stops with exit code 1 and its last good checkpoint intact.

        examples:
          tips train --config runs/small.json --out runs/small
          tips train --config runs/small.json --out runs/small --resume
          tips train --config runs/small.json --out runs/web-only --set captions=web --set distill=false
          tips train --config runs/ft.json --out runs/ft --init-vision weights/tips_oss_s14_highres_distilled_vision.npz --init-text weights/tips_oss_s14_highres_distilled_text.npz
        """,
        ["--config", "--out", "--until", "--init-vision", "--init-text", .. CommandSpec.Common], ["--set"], ["--resume"],
        (args, io) => Run(args, io, null));

    /// <summary>Test hooks: <see cref="Batch"/> rewrites each micro-batch before the step, <see cref="Stop"/>
    /// replaces the SIGINT/SIGTERM handler, <see cref="AfterStep"/> sees each report.</summary>
    internal sealed record Hooks(Func<TrainBatch, TrainBatch>? Batch = null, CancellationToken? Stop = null, Action<StepReport>? AfterStep = null);

    internal static int Run(Args args, CliContext io, Hooks? hooks)
    {
        string config = args.Required("--config"), outDir = args.Required("--out");
        string device = args.Optional("--device") ?? "cpu";
        bool resume = args.Has("--resume");
        int? until = args.Optional("--until") is null ? null : args.Int("--until", 0, 0, int.MaxValue);
        string? initVision = args.Optional("--init-vision"), initText = args.Optional("--init-text");
        if (resume && (initVision is not null || initText is not null))
            throw new UsageException("train: --init-vision/--init-text start a fresh run; --resume continues from the checkpoint");

        var run = RunConfig.Load(config, args.All("--set"));
        if (initVision is not null) run.Resolved["init_vision"] = Path.GetFullPath(initVision);
        if (initText is not null) run.Resolved["init_text"] = Path.GetFullPath(initText);
        Directory.CreateDirectory(outDir);
        string checkpoint = Path.Combine(outDir, CheckpointFile), resolvedPath = Path.Combine(outDir, ResolvedFile);
        using var backend = Backends.Create(device);
        using var trainer = new TipsTrainer(backend, run.Model, run.Options);
        long position = 0;
        if (resume)
        {
            if (!File.Exists(checkpoint)) throw new TipsException($"{checkpoint}: no checkpoint to resume from");
            CheckUnchanged(resolvedPath, run.Resolved);
            var meta = trainer.LoadCheckpoint(checkpoint);
            if (!meta.TryGetValue("loader_position", out var p) || !long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out position))
                throw new TipsException($"{checkpoint}: no loader_position metadata");
        }
        else
        {
            if (File.Exists(checkpoint))
                throw new TipsException($"{outDir} already holds a run ({CheckpointFile}); continue it with --resume or train into another folder");
            trainer.InitializeFrom(initVision is null ? null : StateDict.Load(initVision), initText is null ? null : StateDict.Load(initText));
            AtomicFile.Write(resolvedPath, s => s.Write(System.Text.Encoding.UTF8.GetBytes(run.ToJson())));
        }

        var tokenizer = TipsTokenizer.Load(run.Tokenizer, run.Model.Text.MaxLen);
        var augment = AugmentOptions.Default(run.GlobalSize, run.LocalSize, run.LocalCrops);
        using var loader = new BatchLoader(run.Source, new LoaderOptions(run.BatchSize, augment, run.DataSeed), position);
        using var metrics = new MetricsLog(outDir, trainer.Step);
        using var signal = hooks?.Stop is null ? new StopSignal() : null;
        var stop = hooks?.Stop ?? signal!.Token;
        int last = Math.Min(until ?? run.Options.TotalSteps, run.Options.TotalSteps);
        var extra = () => new Dictionary<string, string> { ["loader_position"] = loader.Position.ToString(CultureInfo.InvariantCulture) };
        int images = run.BatchSize * run.Options.AccumulationSteps, firstStep = trainer.Step, bad = 0, skippedTotal = 0, lastSaved = trainer.Step;
        var total = default(StageTimes);
        var progress = new TrainProgress(io.Err, last, firstStep);
        bool interrupted = false;
        while (trainer.Step < last)
        {
            if (stop.IsCancellationRequested)
            {
                interrupted = true;
                break;
            }
            long start = Stopwatch.GetTimestamp();
            TrainBatch[] micro;
            try
            {
                micro = new TrainBatch[run.Options.AccumulationSteps];
                for (int i = 0; i < micro.Length; i++)
                {
                    var b = ToTrainBatch(loader.Next(stop), tokenizer);
                    micro[i] = hooks?.Batch is { } rewrite ? rewrite(b) : b;
                }
            }
            catch (OperationCanceledException)
            {
                interrupted = true;
                break;
            }
            double data = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var r = trainer.TrainStep(micro);
            var times = new StageTimes(data, r.ForwardSeconds, r.BackwardSeconds, r.OptimizerSeconds, Stopwatch.GetElapsedTime(start).TotalSeconds);
            metrics.Write(r, times, images);
            hooks?.AfterStep?.Invoke(r);
            if (r.Skipped)
            {
                bad++;
                skippedTotal++;
                progress.Note($"step {r.Step} skipped: non-finite loss or gradient ({bad} in a row)");
                if (bad >= run.MaxBadSteps)
                    throw new TipsException(
                        $"train: {bad} steps in a row with a non-finite loss or gradient at step {r.Step} (max_bad_steps {run.MaxBadSteps}); stopped. " +
                        (lastSaved > 0 || resume ? $"The last good checkpoint is {checkpoint} (step {lastSaved})" : "No checkpoint was written yet")
                        + "; lower the learning rate or check the data");
                continue;
            }
            bad = 0;
            total += times;
            progress.Update(r, images / times.Total);
            if (trainer.Step % run.CheckpointEvery == 0)
            {
                trainer.SaveCheckpoint(checkpoint, extra());
                lastSaved = trainer.Step;
            }
        }
        progress.Finish();
        if (lastSaved != trainer.Step || trainer.Step == firstStep) trainer.SaveCheckpoint(checkpoint, extra());
        LossCurve.Write(Path.Combine(outDir, CurveFile), metrics.Points);
        int done = trainer.Step - firstStep;
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"steps {firstStep}..{trainer.Step} of {run.Options.TotalSteps}: {done} trained, {skippedTotal} skipped");
        if (done > 0)
            summary += string.Create(CultureInfo.InvariantCulture,
                $"; {done * images / total.Total:F2} images/s, {total.Total / done:F3} s/step ({total.Shares()})");
        io.Out.WriteLine(summary);
        if (interrupted)
        {
            io.Out.WriteLine($"interrupted: checkpoint at step {trainer.Step} in {checkpoint}; continue with --resume");
            return 0;
        }
        if (trainer.Step < run.Options.TotalSteps)
        {
            io.Out.WriteLine($"stopped at step {trainer.Step} (--until): checkpoint in {checkpoint}");
            return 0;
        }
        SaveTowers(trainer, outDir);
        io.Out.WriteLine($"finished: {checkpoint}, {Path.Combine(outDir, "vision.safetensors")}, {Path.Combine(outDir, "text.safetensors")}, {Path.Combine(outDir, MetricsLog.FileName)}, {Path.Combine(outDir, CurveFile)}");
        return 0;
    }

    /// <summary>A resumed run must use the settings it was started with, or it would silently stop being one run.</summary>
    private static void CheckUnchanged(string resolvedPath, JsonObject now)
    {
        if (!File.Exists(resolvedPath)) throw new TipsException($"{resolvedPath}: missing, cannot check the run's settings for --resume");
        JsonObject before;
        try
        {
            before = JsonNode.Parse(File.ReadAllText(resolvedPath)) as JsonObject ?? throw new TipsException($"{resolvedPath}: not a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new TipsException($"{resolvedPath}: invalid JSON ({e.Message})");
        }
        foreach (var key in before.Select(p => p.Key).Union(now.Select(p => p.Key)).Where(k => !k.StartsWith("init_", StringComparison.Ordinal)))
        {
            if (JsonNode.DeepEquals(before[key], now[key])) continue;
            string Diff(JsonNode? a, JsonNode? b) => a is JsonObject oa && b is JsonObject ob
                ? string.Join(", ", oa.Select(p => p.Key).Union(ob.Select(p => p.Key)).Where(k => !JsonNode.DeepEquals(oa[k], ob[k]))
                    .Select(k => $"{key}.{k}: {oa[k]?.ToJsonString() ?? "none"} -> {ob[k]?.ToJsonString() ?? "none"}"))
                : $"{key}: {a?.ToJsonString() ?? "none"} -> {b?.ToJsonString() ?? "none"}";
            throw new TipsException($"--resume: the settings differ from {resolvedPath} ({Diff(before[key], now[key])}); start a new run folder instead");
        }
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
}
