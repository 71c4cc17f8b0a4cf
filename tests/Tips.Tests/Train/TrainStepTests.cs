using Tips.Kernels;
using Tips.Model.Tensors;
using Tips.Train.Training;
using Xunit.Abstractions;

namespace Tips.Tests.Train;

/// <summary>The training step on a tiny model (cpu): gradients against finite differences, and the step's rules.</summary>
public sealed class TrainStepTests(ITestOutputHelper output) : IDisposable
{
    private readonly IBackend _backend = Backends.Create("cpu");

    public void Dispose() => _backend.Dispose();

    /// <summary>Replaces the student's values by larger random ones so that every loss term has sizeable gradients.</summary>
    private static void Randomize(TipsTrainer trainer, int seed)
    {
        var rng = new Random(seed);
        foreach (var (name, p) in trainer.TrainableParameters())
        {
            if (name.StartsWith("log_inv_tau", StringComparison.Ordinal)) continue;
            var v = p.ToHost();
            for (int i = 0; i < v.Length; i++)
                v[i] = p.Rank >= 2 ? (float)(rng.NextDouble() - 0.5) * 0.8f : v[i] + (float)(rng.NextDouble() - 0.5) * 0.4f;
            p.Backend.Upload<float>(v, p.Data);
        }
    }

    private static float Loss(TipsTrainer trainer, TrainBatch batch, float[] mask)
    {
        using var tape = new Tape(trainer.Vision.Parameters.Items[0].Value.Backend, recording: false);
        using var noGrad = new Tape(tape.Backend, recording: false);
        return trainer.Forward(tape, noGrad, batch, mask, 0.05f).Total.ToHost()[0];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FullStepGradientsMatchFiniteDifferences(bool allPositions)
    {
        // Full EMA: the teacher's weights are constants of the student's loss, so finite differences see what the
        // stop-gradient backward sees.
        using var trainer = new TipsTrainer(_backend, TinyTraining.Config(), TinyTraining.Options with { IbotAllPositions = allPositions });
        Randomize(trainer, 11);
        var batch = TinyTraining.RandomBatch(new Random(5), 3, 2);
        float[] mask = [1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0];
        using (var tape = new Tape(_backend, recording: true))
        using (var noGrad = new Tape(_backend, recording: false))
        {
            var losses = trainer.Forward(tape, noGrad, batch, mask, 0.05f);
            Assert.NotNull(losses.Distill);
            Assert.NotNull(losses.Mask);
            tape.Backward(losses.Total);
        }

        string[] checkedNames =
        [
            "student.vision.patch_embed.proj.weight", "student.vision.blocks.0.attn.qkv.weight", "student.vision.mask_token",
            "student.vision.register_tokens", "student.vision.blocks.0.ls2.gamma", "student.vision.norm.bias",
            "student.text.token_embedding.weight", "student.text.transformer.resblocks.0.attn.in_proj_weight",
            "student.dino_head.mlp.0.weight", "student.dino_head.last_layer.weight_v", "student.ibot_head.mlp.4.weight",
            "student.ibot_head.last_layer.weight_v", "log_inv_tau_web", "log_inv_tau_synthetic",
        ];
        var parameters = trainer.TrainableParameters().ToDictionary(p => p.Key, p => p.Value);
        foreach (var name in checkedNames)
        {
            var p = parameters[name];
            var g = p.GradToHost()!;
            var values = p.ToHost();
            // The largest gradient entry (float32 differences cannot resolve tiny ones) and one fixed other entry.
            int top = Array.IndexOf(g, g.MaxBy(MathF.Abs));
            foreach (int i in new[] { top, (int)(p.Length / 3) }.Distinct())
            {
                const float h = 3e-3f;
                float saved = values[i];
                values[i] = saved + h;
                _backend.Upload<float>(values, p.Data);
                float plus = Loss(trainer, batch, mask);
                values[i] = saved - h;
                _backend.Upload<float>(values, p.Data);
                float minus = Loss(trainer, batch, mask);
                values[i] = saved;
                _backend.Upload<float>(values, p.Data);
                double fd = (plus - (double)minus) / (2 * h);
                output.WriteLine($"{name}[{i}]: analytic {g[i]:G6}, finite difference {fd:G6}");
                Assert.True(Math.Abs(fd - g[i]) <= 2e-3 + 0.05 * Math.Abs(g[i]), $"{name}[{i}]: analytic {g[i]:G6} vs finite difference {fd:G6}");
            }
            Assert.True(g.Any(v => MathF.Abs(v) > 1e-3f), $"{name}: no sizeable gradient");
        }
    }
}
