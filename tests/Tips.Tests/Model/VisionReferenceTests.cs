using Tips.Kernels;
using Tips.Model.Config;
using Tips.Model.Nn;
using Tips.Model.Tensors;
using Tips.Model.Towers;

namespace Tips.Tests.Model;

/// <summary>Random-weight image towers against <see cref="ReferenceVisionTower"/> (float64 loops).</summary>
public sealed class VisionReferenceTests : IDisposable
{
    private readonly CpuBackend _backend = new();

    public void Dispose() => _backend.Dispose();

    /// <summary>Random weights with LayerNorm scales around 1, so activations stay in a realistic range.</summary>
    internal static VarBuilder.ParameterValues RandomWeights(int seed)
    {
        var small = Init.Normal(seed, 0.1f);
        var scales = Init.Normal(seed, 0.2f, mean: 1f);
        return (key, shape) => key.EndsWith("norm1.weight") || key.EndsWith("norm2.weight") || key == "norm.weight"
            || key.EndsWith("ls1.gamma") || key.EndsWith("ls2.gamma") || key.EndsWith("ln_1.weight") || key.EndsWith("ln_2.weight")
            || key == "ln_final.weight"
            ? scales(key, shape)
            : small(key, shape);
    }

    internal static float[] RandomPixels(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => rng.NextSingle()).ToArray();
    }

    [Fact]
    public void SwiGluHeadDim72NonSquareGridWithMaskMatchesFloat64Reference()
    {
        // 144 / 2 heads = head dim 72 (So400m's); SwiGLU (g/14's); a 3x3 position grid resampled to 2x4.
        var config = new VisionConfig(144, 2, 2, 96, FfnKind.SwiGlu, 14, 3);
        const int batch = 2, height = 28, width = 56, patches = 8;
        var mask = new float[batch * patches];
        mask[1] = mask[6] = mask[patches + 3] = 1f;
        Run(config, batch, height, width, mask, valuePath: false, intermediateLayer: 0);
    }

    [Fact]
    public void ValuePathLastBlockMatchesFloat64Reference()
    {
        var config = new VisionConfig(32, 2, 2, 64, FfnKind.Mlp, 14, 2);
        Run(config, 1, 42, 28, mask: null, valuePath: true, intermediateLayer: -1);
    }

    private void Run(VisionConfig config, int batch, int height, int width, float[]? mask, bool valuePath, int intermediateLayer)
    {
        using var tower = VisionTower.Create(_backend, config, RandomWeights(7));
        var pixels = RandomPixels(batch * height * width * 3, 3);
        using var tape = new Tape(_backend, recording: false);
        var o = tower.Forward(tape, tape.Constant(pixels, batch, height, width, 3), new VisionOptions
        {
            Mask = mask,
            ValuePathLastBlock = valuePath,
            IntermediateLayers = intermediateLayer >= 0 ? [intermediateLayer] : [],
        });

        var host = tower.Parameters.Items.ToDictionary(p => p.Key, p => p.Value.ToHost().Select(v => (double)v).ToArray());
        var reference = new ReferenceVisionTower(k => host[k], config.Width, config.Heads, config.PatchSize,
            config.Ffn == FfnKind.SwiGlu, config.Depth);
        var expected = reference.Forward(pixels.Select(v => (double)v).ToArray(), batch, height, width,
            mask?.Select(v => (double)v).ToArray(), valuePath, intermediateLayer, out var intermediate);

        Compare("", expected, o, batch);
        if (intermediateLayer >= 0) Compare($"layer {intermediateLayer} ", intermediate, Assert.Single(o.Intermediates), batch);
    }

    private static void Compare(string what, double[][,] expected, VisionOutput actual, int batch)
    {
        int d = expected[0].GetLength(1), np = expected[0].GetLength(0) - 2;
        float[] Rows(int from, int count) => Enumerable.Range(0, batch)
            .SelectMany(b => Enumerable.Range(from, count).SelectMany(t => Enumerable.Range(0, d).Select(c => (float)expected[b][t, c]))).ToArray();
        Parity.Check(what + "cls1", Rows(0, 1), actual.Cls1.ToHost(), 1e-4);
        Parity.Check(what + "cls2", Rows(1, 1), actual.Cls2.ToHost(), 1e-4);
        Parity.Check(what + "patch_tokens", Rows(2, np), actual.PatchTokens.ToHost(), 1e-4);
    }
}
