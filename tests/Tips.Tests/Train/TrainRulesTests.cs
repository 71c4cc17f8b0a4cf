using Tips.Kernels;
using Tips.Model.Tensors;
using Tips.Train.Training;

namespace Tips.Tests.Train;

/// <summary>The step's rules on a tiny model: skips, frozen prototypes, EMA, accumulation, switches; masks and schedules.</summary>
public sealed class TrainRulesTests : IDisposable
{
    private readonly IBackend _backend = Backends.Create("cpu");

    public void Dispose() => _backend.Dispose();

    private static Dictionary<string, float[]> Snapshot(TipsTrainer t) =>
        t.TrainableParameters().ToDictionary(p => p.Key, p => p.Value.ToHost());

    [Fact]
    public void NonFiniteLossSkipsTheStep()
    {
        using var trainer = new TipsTrainer(_backend, TinyTraining.Config(), TinyTraining.Options);
        var batch = TinyTraining.RandomBatch(new Random(1), 2, 1);
        batch.Global[5] = float.NaN;
        var before = Snapshot(trainer);
        var center = trainer.Dino.Center.ToHost();
        var report = trainer.TrainStep([batch]);
        Assert.True(report.Skipped);
        Assert.Equal(0, trainer.Step);
        foreach (var (name, values) in Snapshot(trainer)) Assert.Equal(before[name], values);
        Assert.Equal(center, trainer.Dino.Center.ToHost());
    }

    [Fact]
    public void PrototypeLayersStayFrozenAndTeacherFollowsByEma()
    {
        using var trainer = new TipsTrainer(_backend, TinyTraining.Config(), TinyTraining.Options with { FreezeLastLayerSteps = 1 });
        var before = Snapshot(trainer);
        var teacherBefore = trainer.TeacherDinoHead.Parameters["mlp.0.weight"].ToHost();
        var report = trainer.TrainStep([TinyTraining.RandomBatch(new Random(2), 3, 2)]);
        Assert.False(report.Skipped);
        Assert.Equal(1, trainer.Step);
        var after = Snapshot(trainer);
        Assert.Equal(before["student.dino_head.last_layer.weight_v"], after["student.dino_head.last_layer.weight_v"]);
        Assert.Equal(before["student.ibot_head.last_layer.weight_v"], after["student.ibot_head.last_layer.weight_v"]);
        Assert.NotEqual(before["student.dino_head.mlp.0.weight"], after["student.dino_head.mlp.0.weight"]);
        Assert.NotEqual(before["student.vision.mask_token"], after["student.vision.mask_token"]);

        // teacher = m teacher + (1 - m) student, m = 0.996 at step 0.
        var student = after["student.dino_head.mlp.0.weight"];
        var teacher = trainer.TeacherDinoHead.Parameters["mlp.0.weight"].ToHost();
        Assert.Equal(0.996f, report.EmaMomentum, 6);
        for (int i = 0; i < teacher.Length; i++)
            Assert.Equal(0.996 * teacherBefore[i] + 0.004 * student[i], teacher[i], 6);
        var next = trainer.TrainStep([TinyTraining.RandomBatch(new Random(3), 3, 2)]);
        Assert.NotEqual(after["student.dino_head.last_layer.weight_v"], Snapshot(trainer)["student.dino_head.last_layer.weight_v"]);
        Assert.False(next.Skipped);
    }

    [Fact]
    public void AccumulatingTwoCopiesEqualsOneStep()
    {
        // Contrastive losses only (no masks or centers drawn per micro-batch): the mean of two identical
        // micro-batches has the gradient of one. Adam's eps is large here because Adam turns float32 noise in
        // gradients that are zero in exact arithmetic (the key bias) into full-size steps.
        var options = TinyTraining.Options with { Distill = false, MaskedPatches = false, AdamEps = 1f };
        var batch = TinyTraining.RandomBatch(new Random(4), 3, 0);
        using var one = new TipsTrainer(_backend, TinyTraining.Config(), options);
        using var two = new TipsTrainer(_backend, TinyTraining.Config(), options with { AccumulationSteps = 2 });
        var r1 = one.TrainStep([batch]);
        var r2 = two.TrainStep([batch, batch]);
        Assert.Equal(r1.Loss, r2.Loss, 5);
        Assert.Equal(r1.GradNorm, r2.GradNorm, 4);
        Assert.True(float.IsNaN(r1.Distill) && float.IsNaN(r1.Mask));
        var a = Snapshot(one);
        foreach (var (name, values) in Snapshot(two))
            for (int i = 0; i < values.Length; i++)
                Assert.True(Math.Abs(values[i] - a[name][i]) <= 1e-6 + 1e-5 * Math.Abs(a[name][i]), $"{name}[{i}]: {values[i]} vs {a[name][i]}");
    }

    [Fact]
    public void SwitchesSelectTheLossTerms()
    {
        using var web = new TipsTrainer(_backend, TinyTraining.Config(), TinyTraining.Options with
        {
            Captions = CaptionMode.Web,
            Teacher = TeacherMode.HeadOnlyEma,
            MaskKind = MaskKind.Block,
        });
        Assert.Null(web.TeacherVision);
        var tau = web.LogInvTauSynthetic.ToHost();
        var r = web.TrainStep([TinyTraining.RandomBatch(new Random(5), 3, 2)]);
        Assert.False(r.Skipped);
        Assert.True(float.IsNaN(r.ClipSynthetic) && float.IsFinite(r.ClipWeb) && float.IsFinite(r.Distill) && float.IsFinite(r.Mask));
        Assert.Equal(tau, web.LogInvTauSynthetic.ToHost());
        Assert.Equal(r.ClipWeb + r.Distill + 2 * r.Mask, r.Loss, 4);

        using var plain = new TipsTrainer(_backend, TinyTraining.Config(), TinyTraining.Options with { Distill = false, MaskedPatches = false });
        var p = plain.TrainStep([TinyTraining.RandomBatch(new Random(6), 3, 2)]);
        Assert.Equal(0.5f * (p.ClipWeb + p.ClipSynthetic), p.Loss, 5);
        Assert.True(float.IsNaN(p.Distill) && float.IsNaN(p.Mask));
    }

    [Theory]
    [InlineData(MaskKind.Random)]
    [InlineData(MaskKind.Block)]
    public void MasksHaveTheRatioAndFollowTheSeed(MaskKind kind)
    {
        var a = MaskGenerator.Create(new TrainRng(9), kind, 0.75f, 4, 6, 6);
        var b = MaskGenerator.Create(new TrainRng(9), kind, 0.75f, 4, 6, 6);
        Assert.Equal(a, b);
        foreach (var image in a.Chunk(36)) Assert.Equal(27, image.Count(v => v == 1f));
        Assert.NotEqual(a[..36], a[36..72]);
        Assert.All(MaskGenerator.Create(new TrainRng(9), kind, 0f, 2, 3, 3), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void BlockMasksAreContiguous()
    {
        // A 25% block mask on a 8x8 grid: most masked patches have a masked 4-neighbour (uniform masks would not).
        var mask = MaskGenerator.Create(new TrainRng(3), MaskKind.Block, 0.25f, 8, 8, 8);
        int masked = 0, withNeighbour = 0;
        for (int b = 0; b < 8; b++)
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++)
                {
                    bool At(int yy, int xx) => yy >= 0 && yy < 8 && xx >= 0 && xx < 8 && mask[b * 64 + yy * 8 + xx] == 1f;
                    if (!At(y, x)) continue;
                    masked++;
                    if (At(y - 1, x) || At(y + 1, x) || At(y, x - 1) || At(y, x + 1)) withNeighbour++;
                }
        Assert.Equal(8 * 16, masked);
        Assert.True(withNeighbour >= 0.9 * masked, $"{withNeighbour} of {masked} masked patches have a masked neighbour");
    }

    [Fact]
    public void SchedulesHitTheirEndpoints()
    {
        var o = new TrainOptions { TotalSteps = 100, WarmupSteps = 10, LearningRate = 1e-3f, MinLearningRate = 1e-5f };
        Assert.Equal(1e-4f, Schedules.LearningRate(o, 0), 9);
        Assert.Equal(1e-3f, Schedules.LearningRate(o, 10), 9);
        Assert.Equal(1e-5f, Schedules.LearningRate(o, 100), 9);
        Assert.Equal(0.5 * (1e-3 + 1e-5), Schedules.LearningRate(o, 55), 8);
        Assert.Equal(0.996f, Schedules.EmaMomentum(o, 0), 6);
        Assert.Equal(1f, Schedules.EmaMomentum(o, 100), 6);
        Assert.Equal(0.04f, Schedules.TeacherTemp(o, 0), 6);
        Assert.Equal(0.055f, Schedules.TeacherTemp(o, 15), 6);
        Assert.Equal(0.07f, Schedules.TeacherTemp(o, 30), 6);
        Assert.Equal(0.04f, Schedules.WeightDecay(o, 0), 6);
        Assert.Equal(0.2f, Schedules.WeightDecay(o, 100), 6);
    }

    [Fact]
    public void WeightDecaySkipsBiasesNormsTokensAndTemperatures()
    {
        using var trainer = new TipsTrainer(_backend, TinyTraining.Config(), TinyTraining.Options);
        var decayed = trainer.TrainableParameters().Where(p => AdamWOptimizer.Decays(p.Key, p.Value)).Select(p => p.Key).ToHashSet();
        Assert.Contains("student.vision.blocks.0.attn.qkv.weight", decayed);
        Assert.Contains("student.text.token_embedding.weight", decayed);
        Assert.Contains("student.dino_head.last_layer.weight_v", decayed);
        foreach (var name in new[] { "student.vision.blocks.0.attn.qkv.bias", "student.vision.norm.weight", "student.vision.blocks.0.ls1.gamma",
                     "student.vision.cls_token", "student.vision.register_tokens", "student.vision.mask_token", "student.vision.pos_embed",
                     "student.text.ln_final.weight", "log_inv_tau_web", "log_inv_tau_synthetic" })
            Assert.DoesNotContain(name, decayed);
    }

    [Fact]
    public void BadBatchesAndOptionsFailClearly()
    {
        Assert.Throws<Tips.Model.TipsException>(() => new TrainOptions { MaskRatio = 1f }.Validate());
        Assert.Throws<Tips.Model.TipsException>(() => new TrainOptions { AccumulationSteps = 0 }.Validate());
        using var trainer = new TipsTrainer(_backend, TinyTraining.Config(), TinyTraining.Options);
        var batch = TinyTraining.RandomBatch(new Random(7), 2, 1);
        Assert.Throws<Tips.Model.TipsException>(() => trainer.TrainStep([batch with { GlobalSize = 13 }]));
        Assert.Throws<Tips.Model.TipsException>(() => trainer.TrainStep([batch, batch]));
    }
}
