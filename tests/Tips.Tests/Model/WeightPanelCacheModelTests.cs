using Tips.Kernels;
using Tips.Model.Config;
using Tips.Model.Nn;
using Tips.Model.Tensors;
using Tips.Model.Towers;
using Tips.Train.Training;

namespace Tips.Tests.Model;

/// <summary>
/// The cpu backend keeps packed panels of every Linear weight once a weight version is used twice (inference).
/// A checkpoint load and an optimizer step write the weights in place; the next forward must use the new values,
/// compared with the same weights in a tower on a fresh backend (which has no panels yet). The towers first run
/// enough forwards that the panels exist, so a write that did not invalidate them would fail the comparison.
/// </summary>
public sealed class WeightPanelCacheModelTests : IDisposable
{
    // 5 images of 9 x 9 patches + 2 CLS = 415 rows: every Linear packs its weight whole, so panels are cached.
    private static readonly VisionConfig Config = new(64, 2, 2, 256, FfnKind.Mlp, 14, 9);
    private const int Size = 126, Batch = 5;
    private readonly CpuBackend _backend = new() { CacheWeightPanels = true };
    private readonly float[] _pixels = VisionReferenceTests.RandomPixels(Batch * Size * Size * 3, 4);

    public void Dispose() => _backend.Dispose();

    [Fact]
    public void LoadingACheckpointIntoAWarmTowerChangesItsForward()
    {
        using var tower = VisionTower.Create(_backend, Config, VisionReferenceTests.RandomWeights(1));
        Forward(_backend, tower);
        Forward(_backend, tower);
        Forward(_backend, tower);
        Assert.True(_backend.PanelStats.Hits > 0, "the forwards did not reuse packed panels, so this test checks nothing");

        using var other = new CpuBackend { CacheWeightPanels = true };
        using var source = VisionTower.Create(other, Config, VisionReferenceTests.RandomWeights(2));
        tower.Parameters.CopyFrom(source.Parameters.ToStateDict());
        AssertClose(Forward(other, source), Forward(_backend, tower));
    }

    [Fact]
    public void AnOptimizerStepOnAWarmTowerChangesItsForward()
    {
        using var tower = VisionTower.Create(_backend, Config, VisionReferenceTests.RandomWeights(3));
        var before = Forward(_backend, tower);
        Forward(_backend, tower);
        Forward(_backend, tower);
        Assert.True(_backend.PanelStats.Hits > 0, "the forwards did not reuse packed panels, so this test checks nothing");

        foreach (var (_, p) in tower.Parameters.Items) p.RequiresGrad = true;
        using var optimizer = new AdamWOptimizer(_backend, tower.Parameters.Items);
        using (var tape = new Tape(_backend, recording: true))
        {
            var output = tower.Forward(tape, tape.Constant(_pixels, Batch, Size, Size, 3));
            tape.Backward(tape.Mean(output.PatchTokens));
        }
        optimizer.Update(0.01f, 0f, 0.9f, 0.999f, 1e-8f, 0f, 0, false);
        foreach (var (_, p) in tower.Parameters.Items) p.RequiresGrad = false;

        using var fresh = new CpuBackend { CacheWeightPanels = true };
        using var copy = VisionTower.Create(fresh, Config, VisionReferenceTests.RandomWeights(9));
        copy.Parameters.CopyFrom(tower.Parameters.ToStateDict());
        var after = Forward(_backend, tower);
        AssertClose(Forward(fresh, copy), after);
        Assert.True(before.Zip(after).Any(p => Math.Abs(p.First - p.Second) > 1e-3), "the optimizer step did not change the output");
    }

    private float[] Forward(IBackend backend, VisionTower tower)
    {
        using var tape = new Tape(backend, recording: false);
        return tower.Forward(tape, tape.Constant(_pixels, Batch, Size, Size, 3)).PatchTokens.ToHost();
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i]),
                $"patch token element {i}: {actual[i]}, expected {expected[i]}");
    }
}
