using Tips.Kernels;
using Tips.Model.Config;
using Tips.Model.Nn;
using Tips.Model.Tensors;
using Tips.Model.Towers;
using Xunit.Abstractions;

namespace Tips.Tests.Model;

/// <summary>
/// Tape gradients of tiny random towers against central finite differences of the float32 forward
/// (loose tolerance), for every parameter (a few entries each) and the input pixels.
/// </summary>
public sealed class FiniteDifferenceTests(ITestOutputHelper output) : IDisposable
{
    private const float Step = 2e-3f;
    private readonly CpuBackend _backend = new();

    public void Dispose() => _backend.Dispose();

    [Fact]
    public void VisionGradientsMatchFiniteDifferences()
    {
        // 3x3 position grid resampled to 2x2, two images, one masked patch: every parameter including mask_token.
        using var tower = VisionTower.Create(_backend, new VisionConfig(16, 2, 2, 32, FfnKind.Mlp, 14, 3), VisionReferenceTests.RandomWeights(5));
        const int batch = 2, size = 28;
        using var image = Tensor.FromHost(_backend, VisionReferenceTests.RandomPixels(batch * size * size * 3, 9), [batch, size, size, 3], requiresGrad: true);
        var options = new VisionOptions { Mask = [0, 0, 1, 0, 0, 0, 0, 0] };
        var rng = new Random(1);
        var r = new[] { batch * 16, batch * 16, batch * 4 * 16 }.Select(n => Enumerable.Range(0, n).Select(_ => rng.NextSingle() - 0.5f).ToArray()).ToArray();

        double Objective(Tape tape, out Tensor? loss)
        {
            var o = tower.Forward(tape, image, options);
            loss = tape.IsRecording
                ? tape.Add(tape.Add(tape.Dot(o.Cls1, tape.Constant(r[0], o.Cls1.Shape)), tape.Dot(o.Cls2, tape.Constant(r[1], o.Cls2.Shape))),
                    tape.Dot(o.PatchTokens, tape.Constant(r[2], o.PatchTokens.Shape)))
                : null;
            return Dot(o.Cls1, r[0]) + Dot(o.Cls2, r[1]) + Dot(o.PatchTokens, r[2]);
        }

        CheckAll(tower.Parameters, [new("input", image)], Objective);
    }

    [Fact]
    public void TextGradientsMatchFiniteDifferences()
    {
        using var tower = TextTower.Create(_backend, new TextConfig(16, 2, 2, 32, 50, 8), VisionReferenceTests.RandomWeights(6));
        // Three texts of 6 tokens: padded, full, empty (which contributes nothing).
        int[] ids = [5, 17, 3, 0, 0, 0, 9, 9, 41, 2, 30, 11, 0, 0, 0, 0, 0, 0];
        var rng = new Random(2);
        var r = Enumerable.Range(0, 3 * 16).Select(_ => rng.NextSingle() - 0.5f).ToArray();

        double Objective(Tape tape, out Tensor? loss)
        {
            var e = tower.Forward(tape, ids, 3);
            loss = tape.IsRecording ? tape.Dot(e, tape.Constant(r, e.Shape)) : null;
            return Dot(e, r);
        }

        // temperature takes no part in the embedding.
        CheckAll(tower.Parameters, [], Objective, skip: "temperature");
    }

    private delegate double ObjectiveFn(Tape tape, out Tensor? loss);

    private void CheckAll(ParameterSet parameters, KeyValuePair<string, Tensor>[] inputs, ObjectiveFn objective, string? skip = null)
    {
        parameters.ZeroGrad();
        using (var tape = new Tape(_backend, recording: true))
        {
            objective(tape, out var loss);
            tape.Backward(loss!);
        }
        var rng = new Random(4);
        int checkedCount = 0;
        double worst = 0;
        string worstAt = "";
        foreach (var (name, t) in parameters.Items.Concat(inputs))
        {
            if (name == skip)
            {
                Assert.Null(t.Grad);
                continue;
            }
            var grad = t.GradToHost() ?? throw new Xunit.Sdk.XunitException($"{name}: no gradient");
            double scale = grad.Max(v => Math.Abs((double)v));
            Assert.True(scale > 0, $"{name}: gradient is all zeros");
            int argMax = Array.FindIndex(grad, v => Math.Abs((double)v) == scale);
            foreach (int i in new[] { argMax, rng.Next(grad.Length), rng.Next(grad.Length) })
            {
                double fd = (Evaluate(t, i, Step, objective) - Evaluate(t, i, -Step, objective)) / (2 * Step);
                double err = Math.Abs(fd - grad[i]);
                if (err / (scale + 1e-3) > worst) (worst, worstAt) = (err / (scale + 1e-3), $"{name}[{i}]");
                Assert.True(err <= 2e-2 * scale + 1e-3,
                    $"{name}[{i}]: tape gradient {grad[i]:G6}, finite difference {fd:G6} (largest |gradient| {scale:G4})");
                checkedCount++;
            }
        }
        output.WriteLine($"{checkedCount} entries checked; worst |fd - tape| / max|grad| = {worst:E2} at {worstAt}");
    }

    private double Evaluate(Tensor t, int index, float delta, ObjectiveFn objective)
    {
        var values = t.ToHost();
        float saved = values[index];
        values[index] = saved + delta;
        _backend.Upload<float>(values, t.Data);
        using var tape = new Tape(_backend, recording: false);
        double j = objective(tape, out _);
        values[index] = saved;
        _backend.Upload<float>(values, t.Data);
        return j;
    }

    private static double Dot(Tensor t, float[] r)
    {
        var v = t.ToHost();
        double s = 0;
        for (int i = 0; i < v.Length; i++) s += (double)v[i] * r[i];
        return s;
    }
}
