using Tips.Kernels;
using Tips.Model;
using Tips.Model.Checkpoints;
using Tips.Model.Nn;
using Tips.Model.Towers;

namespace Tips.Tests.Model;

/// <summary>Loading towers from state dicts (strict) and writing them back.</summary>
public sealed class TowerCheckpointTests : IDisposable
{
    private readonly CpuBackend _backend = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("tips-model-").FullName;

    public void Dispose()
    {
        _backend.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static TinyFixture F => TinyFixture.Get;

    [Fact]
    public void NpzToModelToSafetensorsToModelIsBitExact()
    {
        string visionPath = Path.Combine(_dir, "vision.safetensors"), textPath = Path.Combine(_dir, "text.safetensors");
        using (var vision = VisionTower.Load(_backend, F.Vision, F.Config.Vision))
            vision.Parameters.ToStateDict().SaveSafetensors(visionPath);
        using (var text = TextTower.Load(_backend, F.Text, F.Config.Text))
            text.Parameters.ToStateDict().SaveSafetensors(textPath);

        using var vision2 = VisionTower.Load(_backend, StateDict.LoadSafetensors(visionPath), F.Config.Vision);
        using var text2 = TextTower.Load(_backend, StateDict.LoadSafetensors(textPath), F.Config.Text);
        AssertSame(F.Vision, vision2.Parameters);
        AssertSame(F.Text, text2.Parameters);
        Assert.Empty(text2.Parameters["temperature"].Shape); // 0-d survives
    }

    private static void AssertSame(StateDict expected, ParameterSet actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Names.Order());
        foreach (var (key, t) in actual.Items)
        {
            Assert.Equal(expected[key].Shape, t.Shape);
            var a = t.ToHost();
            var e = expected[key].Floats;
            for (int i = 0; i < e.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(e[i]) == BitConverter.SingleToInt32Bits(a[i]), $"{key}[{i}]: {a[i]:R} != {e[i]:R}");
        }
    }

    [Fact]
    public void StrictLoadListsMissingUnexpectedAndMismatchedKeys()
    {
        var state = new StateDict("broken.npz");
        foreach (var (key, array) in F.Vision)
        {
            if (key == "blocks.1.ls2.gamma") continue;
            state.Add(key, key == "pos_embed" ? NdArray.FromFloats(new float[1 * 10 * 64], [1, 10, 64]) : array);
        }
        state.Add("head.weight", NdArray.FromFloats(new float[4], [2, 2]));

        var e = Assert.Throws<TipsException>(() => VisionTower.Load(_backend, state, F.Config.Vision));
        long afterFirst = _backend.BytesAllocated;
        Assert.Contains("broken.npz", e.Message);
        Assert.Contains("missing keys 'blocks.1.ls2.gamma'", e.Message);
        Assert.Contains("unexpected keys 'head.weight'", e.Message);
        Assert.Contains("'pos_embed' is (1, 10, 64) in the file, expected (1, 17, 64)", e.Message);
        // The rejected tower's buffers went back to the pool: a second attempt reuses them instead of allocating.
        Assert.Throws<TipsException>(() => VisionTower.Load(_backend, state, F.Config.Vision));
        Assert.Equal(afterFirst, _backend.BytesAllocated);
    }

    [Fact]
    public void IntegerArrayWhereFloatsBelongIsAClearError()
    {
        var state = new StateDict("ints.npz");
        foreach (var (key, array) in F.Text)
            state.Add(key, key == "ln_final.bias" ? NdArray.FromInts(new int[64], [64]) : array);
        var e = Assert.Throws<TipsException>(() => TextTower.Load(_backend, state, F.Config.Text));
        Assert.Contains("ln_final.bias", e.Message);
    }
}
