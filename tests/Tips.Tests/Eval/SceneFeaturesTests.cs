using Tips.Model;
using Tips.Model.Images;
using Tips.Train.Data;
using Tips.Train.Eval;

namespace Tips.Tests.Eval;

public class SceneFeaturesTests
{
    [Fact]
    public void PatchTargetsAreTheMajorityClassAndMeanDepth()
    {
        // 4x4 pixels, 2x2 patches: top-left patch has three pixels of class 2, one of class 0.
        int[] classes = [2, 2, 0, 0, 2, 0, 0, 0, 1, 1, 3, 3, 1, 0, 3, 0];
        var depth = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
        var e = new Example(new RgbImage(4, 4, Enumerable.Range(0, 48).Select(i => i / 48f).ToArray()), "w", "s", classes, depth);
        var labels = new int[4];
        var mean = new double[4];
        SceneFeatures.PatchTargets(e, 2, 2, 4, labels, mean);
        Assert.Equal([2, 0, 1, 3], labels);
        Assert.Equal([(0 + 1 + 4 + 5) / 4.0, (2 + 3 + 6 + 7) / 4.0, (8 + 9 + 12 + 13) / 4.0, (10 + 11 + 14 + 15) / 4.0], mean);
    }

    [Fact]
    public void LargestObjectIgnoresBackground()
    {
        Assert.Equal(3, SceneFeatures.LargestObject([0, 0, 0, 0, 3, 3, 1], 4));
        Assert.Equal(-1, SceneFeatures.LargestObject([0, 0], 4));
        Assert.Throws<TipsException>(() => SceneFeatures.PatchTargets(
            new Example(new RgbImage(2, 2, new float[12]), "w", "s", [0, 9, 0, 0], new float[4]), 1, 1, 4, new int[1], new double[1]));
    }

    [Fact]
    public void ResizeNearestKeepsBlocks()
    {
        Assert.Equal([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], SceneFeatures.ResizeNearest([1, 2, 3, 4], 2, 2, 4, 4));
        // Downsampling samples the source at the output pixel centres: row 1 of a 2-row map for a 1-row output.
        Assert.Equal([3, 4], SceneFeatures.ResizeNearest([1, 2, 3, 4], 2, 2, 1, 2));
    }
}
