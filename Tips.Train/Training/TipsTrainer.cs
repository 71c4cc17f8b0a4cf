using System.Diagnostics;
using Tips.Kernels;
using Tips.Model.Config;
using Tips.Model.Nn;
using Tips.Model.Tensors;
using Tips.Model.Towers;
using Tips.Train.Heads;
using Tips.Train.Losses;

namespace Tips.Train.Training;

/// <summary>
/// The TIPS training recipe (docs/tips-training.md): a student (image tower, text tower, CLS and patch heads, two
/// learnt contrastive temperatures), an EMA teacher, the loss
/// 1/2 (clip(CLS1, web) + clip(CLS2, synthetic)) + alpha * distill + beta * masked-patch, and AdamW.
/// Parameter names: <c>student.vision.*</c>, <c>student.text.*</c>, <c>student.dino_head.*</c>, <c>student.ibot_head.*</c>,
/// <c>log_inv_tau_web</c>, <c>log_inv_tau_synthetic</c>, <c>teacher.vision.*</c> (full EMA only), <c>teacher.*_head.*</c>.
/// </summary>
public sealed partial class TipsTrainer : IDisposable
{
    private readonly IBackend _backend;
    private readonly List<(Tensor Teacher, Tensor Student)> _emaPairs = [];

    public TipsTrainer(IBackend backend, TipsConfig config, TrainOptions options)
    {
        options.Validate();
        if (config.Vision.Width != config.Text.Width)
            throw new Tips.Model.TipsException($"vision width {config.Vision.Width} differs from text width {config.Text.Width}");
        _backend = backend;
        Config = config;
        Options = options;
        Rng = new TrainRng((ulong)options.Seed);
        int d = config.Vision.Width;
        var init = InitialValues(options);
        Vision = VisionTower.Create(backend, config.Vision, init);
        Text = TextTower.Create(backend, config.Text, init);
        DinoHead = Heads.DinoHead.Create(backend, d, options.HeadHidden, options.HeadBottleneck, options.Prototypes, options.Seed + 1);
        IbotHead = Heads.DinoHead.Create(backend, d, options.HeadHidden, options.HeadBottleneck, options.Prototypes, options.Seed + 2);
        float logInvTau = MathF.Log(1f / options.InitialTau);
        LogInvTauWeb = Tensor.FromHost(backend, [logInvTau], [], requiresGrad: true);
        LogInvTauSynthetic = Tensor.FromHost(backend, [logInvTau], [], requiresGrad: true);

        TeacherVision = options.Teacher == TeacherMode.FullEma ? CopyFrozen(Vision.Parameters, vb => new VisionTower(vb, config.Vision)) : null;
        TeacherDinoHead = CopyFrozen(DinoHead.Parameters, vb => new DinoHead(vb, d, options.HeadHidden, options.HeadBottleneck, options.Prototypes));
        TeacherIbotHead = CopyFrozen(IbotHead.Parameters, vb => new DinoHead(vb, d, options.HeadHidden, options.HeadBottleneck, options.Prototypes));
        if (TeacherVision is not null) Pair(TeacherVision.Parameters, Vision.Parameters);
        Pair(TeacherDinoHead.Parameters, DinoHead.Parameters);
        Pair(TeacherIbotHead.Parameters, IbotHead.Parameters);

        Dino = new DinoLoss(backend, options.Prototypes, options.StudentTemp, options.CenterMomentum);
        Ibot = new IbotLoss(backend, options.Prototypes, options.StudentTemp, options.CenterMomentum);
        Optimizer = new AdamWOptimizer(backend, TrainableParameters());
    }

    public TipsConfig Config { get; }
    public TrainOptions Options { get; }
    public TrainRng Rng { get; }
    public VisionTower Vision { get; }
    public TextTower Text { get; }
    public DinoHead DinoHead { get; }
    public DinoHead IbotHead { get; }
    public Tensor LogInvTauWeb { get; }
    public Tensor LogInvTauSynthetic { get; }
    public VisionTower? TeacherVision { get; }
    public DinoHead TeacherDinoHead { get; }
    public DinoHead TeacherIbotHead { get; }
    public DinoLoss Dino { get; }
    public IbotLoss Ibot { get; }
    public AdamWOptimizer Optimizer { get; }

    /// <summary>Completed optimiser steps (skipped steps do not count).</summary>
    public int Step => Optimizer.Step;

    /// <summary>Every trained parameter by name; the text tower's zero-shot <c>temperature</c> is not trained.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> TrainableParameters()
    {
        foreach (var p in Vision.Parameters.Items) yield return new("student.vision." + p.Key, p.Value);
        foreach (var p in Text.Parameters.Items)
            if (p.Key != "temperature") yield return new("student.text." + p.Key, p.Value);
        foreach (var p in DinoHead.Parameters.Items)
            if (p.Value.RequiresGrad) yield return new("student.dino_head." + p.Key, p.Value);
        foreach (var p in IbotHead.Parameters.Items)
            if (p.Value.RequiresGrad) yield return new("student.ibot_head." + p.Key, p.Value);
        yield return new("log_inv_tau_web", LogInvTauWeb);
        yield return new("log_inv_tau_synthetic", LogInvTauSynthetic);
    }

    /// <summary>
    /// New-model values: normal(0, 0.02) weights, norms 1, biases and the mask token 0, layer scales
    /// <see cref="TrainOptions.LayerScaleInit"/>, text temperature = the initial tau.
    /// </summary>
    private static VarBuilder.ParameterValues InitialValues(TrainOptions o)
    {
        var normal = Init.Normal(o.Seed, 0.02f);
        return (key, shape) =>
        {
            long n = Tensor.ShapeLength(shape);
            float? constant = key switch
            {
                "mask_token" => 0f,
                "temperature" => o.InitialTau,
                _ when key.EndsWith(".gamma", StringComparison.Ordinal) => o.LayerScaleInit,
                _ when key.EndsWith(".bias", StringComparison.Ordinal) || key.EndsWith("_bias", StringComparison.Ordinal) => 0f,
                _ when key.EndsWith(".weight", StringComparison.Ordinal) && shape.Length == 1 => 1f,
                _ => null,
            };
            return constant is { } c ? Enumerable.Repeat(c, (int)n).ToArray() : normal(key, shape);
        };
    }

    private T CopyFrozen<T>(ParameterSet source, Func<VarBuilder, T> build)
    {
        var vb = new VarBuilder(_backend, (key, shape) => source[key].ToHost());
        var model = build(vb);
        foreach (var p in vb.Parameters.Items) p.Value.RequiresGrad = false;
        return model;
    }

    private void Pair(ParameterSet teacher, ParameterSet student)
    {
        foreach (var (key, t) in teacher.Items)
            if (student[key].RequiresGrad) _emaPairs.Add((t, student[key]));
    }

    /// <summary>The loss terms of one micro-batch as tape scalars (null when switched off), plus the teacher outputs the centers move with.</summary>
    internal sealed record Losses(Tensor Total, Tensor? ClipWeb, Tensor? ClipSynthetic, Tensor? Distill, Tensor? Mask,
        Tensor? TeacherCls, Tensor? TeacherPatches);

    /// <summary>
    /// Forward of one micro-batch: student terms on <paramref name="tape"/>, teacher under stop-gradient on
    /// <paramref name="noGrad"/>. <paramref name="mask"/> (B, h*w) is used when the masked-patch loss is on;
    /// <paramref name="selfSupervised"/> false leaves out distillation (the contrastive phase of a sequential run).
    /// Does not touch the centers.
    /// </summary>
    internal Losses Forward(Tape tape, Tape noGrad, TrainBatch batch, float[]? mask, float teacherTemp, bool selfSupervised = true)
    {
        var o = Options;
        int b = batch.Batch, d = Config.Vision.Width;
        var global = tape.Constant(batch.Global, b, batch.GlobalSize, batch.GlobalSize, 3);
        var student = Vision.Forward(tape, global);

        Tensor? clipWeb = null, clipSynthetic = null;
        if (o.Captions != CaptionMode.Synthetic)
            clipWeb = ClipLoss.Compute(tape, student.Cls1, Text.Forward(tape, batch.WebIds, b), LogInvTauWeb);
        if (o.Captions != CaptionMode.Web)
            clipSynthetic = ClipLoss.Compute(tape, student.Cls2, Text.Forward(tape, batch.SyntheticIds, b), LogInvTauSynthetic);
        var total = clipWeb is not null && clipSynthetic is not null
            ? tape.Scale(tape.Add(clipWeb, clipSynthetic), 0.5f)
            : clipWeb ?? clipSynthetic!;

        bool distill = selfSupervised && o.Distill && batch.LocalCrops > 0 && o.DistillWeight != 0f;
        bool masked = o.MaskedPatches && mask is not null && o.MaskWeight != 0f;
        Tensor? distillLoss = null, maskLoss = null, teacherCls = null, teacherPatches = null;
        if (!distill && !masked) return new Losses(total, clipWeb, clipSynthetic, null, null, null, null);

        // Teacher on the unmasked global crop: its own EMA backbone, or the student's under stop-gradient.
        var teacherImages = noGrad.Constant(batch.Global, b, batch.GlobalSize, batch.GlobalSize, 3);
        var teacher = (TeacherVision ?? Vision).Forward(noGrad, teacherImages);
        if (distill)
        {
            teacherCls = TeacherDinoHead.Forward(noGrad, teacher.Cls1);
            var targets = Dino.Targets(noGrad, teacherCls, teacherTemp);
            var local = tape.Constant(batch.Local, batch.LocalCrops * b, batch.LocalSize, batch.LocalSize, 3);
            var localCls = Vision.Forward(tape, local).Cls1;
            var students = DinoHead.Forward(tape, localCls).Reshape(batch.LocalCrops, b, o.Prototypes);
            distillLoss = Dino.Compute(tape, students, targets);
            total = tape.Add(total, tape.Scale(distillLoss, o.DistillWeight));
        }
        if (masked)
        {
            int n = teacher.PatchTokens.Shape[1] * teacher.PatchTokens.Shape[2];
            teacherPatches = TeacherIbotHead.Forward(noGrad, teacher.PatchTokens.Reshape(b, n, d));
            var maskedView = Vision.Forward(tape, global, new VisionOptions { Mask = mask });
            var studentPatches = IbotHead.Forward(tape, maskedView.PatchTokens.Reshape(b, n, d));
            maskLoss = Ibot.Compute(tape, studentPatches, teacherPatches, tape.Constant(mask!, b, n), teacherTemp, o.IbotAllPositions);
            total = tape.Add(total, tape.Scale(maskLoss, o.MaskWeight));
        }
        return new Losses(total, clipWeb, clipSynthetic, distillLoss, maskLoss, teacherCls, teacherPatches);
    }

    /// <summary>
    /// One optimiser step over <see cref="TrainOptions.AccumulationSteps"/> micro-batches: masks drawn from
    /// <see cref="Rng"/>, gradients accumulated (each micro-batch's loss divided by their number), centers moved
    /// after each micro-batch's targets, clipping, AdamW, EMA. A non-finite loss or gradient skips the update and
    /// says so in the report: gradients are dropped, parameters, teacher and step count stay; a micro-batch with a
    /// non-finite loss does not move the centers (earlier finite ones of the same step already did).
    /// In a sequential run (<see cref="TrainOptions.Sequential"/>) the first steps train the contrastive losses only.
    /// The report carries the wall time of the forward passes, the backward passes and the optimiser (clip, AdamW, EMA).
    /// </summary>
    public StepReport TrainStep(IReadOnlyList<TrainBatch> microBatches)
    {
        var o = Options;
        if (microBatches.Count != o.AccumulationSteps)
            throw new Tips.Model.TipsException($"train step: {microBatches.Count} micro-batches, accumulation_steps is {o.AccumulationSteps}");
        int step = Step;
        float tauT = Schedules.TeacherTemp(o, step);
        bool selfSupervised = Schedules.SelfSupervised(o, step);
        var sums = new double[5];
        bool skipped = false;
        long forward = 0, backward = 0;
        long start = Stopwatch.GetTimestamp();
        Optimizer.ZeroGrad();
        foreach (var batch in microBatches)
        {
            batch.Validate(Config.Vision.PatchSize);
            int grid = batch.GlobalSize / Config.Vision.PatchSize;
            float[]? mask = o.MaskedPatches && selfSupervised ? MaskGenerator.Create(Rng, o.MaskKind, o.MaskRatio, batch.Batch, grid, grid) : null;
            using var tape = new Tape(_backend, recording: true);
            using var noGrad = new Tape(_backend, recording: false);
            var losses = Forward(tape, noGrad, batch, mask, tauT, selfSupervised);
            var parts = new[] { losses.Total, losses.ClipWeb, losses.ClipSynthetic, losses.Distill, losses.Mask }
                .Select(t => t is null ? float.NaN : t.ToHost()[0]).ToArray();
            long forwardEnd = Stopwatch.GetTimestamp();
            forward += forwardEnd - start;
            if (!float.IsFinite(parts[0]))
            {
                skipped = true;
                break;
            }
            for (int i = 0; i < sums.Length; i++) sums[i] += parts[i] / microBatches.Count;
            tape.Backward(microBatches.Count == 1 ? losses.Total : tape.Scale(losses.Total, 1f / microBatches.Count));
            if (losses.TeacherCls is not null) Dino.UpdateCenter(losses.TeacherCls);
            if (losses.TeacherPatches is not null) Ibot.UpdateCenter(losses.TeacherPatches);
            start = Stopwatch.GetTimestamp();
            backward += start - forwardEnd;
        }

        long optimizerStart = Stopwatch.GetTimestamp();
        double norm = skipped ? double.NaN : Optimizer.GradNorm();
        float lr = Schedules.LearningRate(o, step), momentum = Schedules.EmaMomentum(o, step);
        if (!skipped && double.IsFinite(norm))
        {
            Optimizer.Update(lr, Schedules.WeightDecay(o, step), o.Beta1, o.Beta2, o.AdamEps, o.ClipGrad, norm,
                step < o.FreezeLastLayerSteps);
            foreach (var (t, s) in _emaPairs) _backend.Ema(t.Data, s.Data, momentum);
        }
        else skipped = true;
        Optimizer.ZeroGrad();
        double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
        return new StepReport(step, (float)sums[0], (float)sums[1], (float)sums[2], (float)sums[3], (float)sums[4],
            norm, lr, tauT, momentum, skipped)
        {
            LogInvTauWeb = LogInvTauWeb.ToHost()[0],
            LogInvTauSynthetic = LogInvTauSynthetic.ToHost()[0],
            ForwardSeconds = Seconds(forward),
            BackwardSeconds = Seconds(backward),
            OptimizerSeconds = Seconds(Stopwatch.GetTimestamp() - optimizerStart),
        };
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Dino.Dispose();
        Ibot.Dispose();
        Vision.Dispose();
        Text.Dispose();
        DinoHead.Dispose();
        IbotHead.Dispose();
        TeacherVision?.Dispose();
        TeacherDinoHead.Dispose();
        TeacherIbotHead.Dispose();
        LogInvTauWeb.Dispose();
        LogInvTauSynthetic.Dispose();
    }
}
