using Tips.Model;
using Tips.Train.Eval;

namespace Tips.Tests.Eval;

public class RidgeProbeTests
{
    [Fact]
    public void RecoversALinearMapWithBias()
    {
        var rng = new Random(3);
        int n = 300, d = 6, o = 2;
        var x = Enumerable.Range(0, n * d).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        double[,] w = { { 1, -2 }, { 0.5, 0 }, { 0, 3 }, { -1, 1 }, { 2, 0.25 }, { 0, -0.5 } };
        var y = new double[n * o];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < o; c++)
            {
                double s = c == 0 ? 5 : -1;
                for (int k = 0; k < d; k++) s += x[i * d + k] * w[k, c];
                y[i * o + c] = s;
            }
        var probe = RidgeProbe.Fit(x, y, d, o, lambda: 1e-9);
        var predicted = probe.Predict(x);
        for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(predicted[i] - y[i]) <= 1e-6 + 1e-6 * Math.Abs(y[i]), $"{i}: {predicted[i]} vs {y[i]}");
    }

    [Fact]
    public void OneHotFeaturesOfTheLabelGiveMeanIoUOne()
    {
        var rng = new Random(4);
        int classes = 5;
        var labels = Enumerable.Range(0, 500).Select(_ => rng.Next(classes)).ToArray();
        var features = labels.SelectMany(l => Enumerable.Range(0, classes).Select(c => c == l ? 1f : 0f)).ToArray();
        var probe = RidgeProbe.Fit(features, RidgeProbe.OneHot(labels, classes), classes, classes);
        Assert.Equal(1.0, Metrics.MeanIoU(probe.Classify(features), labels, classes), 12);
    }

    [Fact]
    public void RandomFeaturesGiveNearChanceOnHeldOutLabels()
    {
        var rng = new Random(5);
        int classes = 4, d = 16;
        int[] Labels(int n) => Enumerable.Range(0, n).Select(_ => rng.Next(classes)).ToArray();
        float[] Noise(int n) => Enumerable.Range(0, n * d).Select(_ => (float)rng.NextDouble()).ToArray();
        var trainLabels = Labels(2000);
        var probe = RidgeProbe.Fit(Noise(2000), RidgeProbe.OneHot(trainLabels, classes), d, classes);
        var testLabels = Labels(2000);
        Assert.InRange(Metrics.Accuracy(probe.Classify(Noise(2000)), testLabels), 0.2, 0.3);
    }

    [Fact]
    public void MismatchedShapesAndNonFiniteFeaturesAreClearErrors()
    {
        Assert.Throws<TipsException>(() => RidgeProbe.Fit(new float[10], new double[3], 5, 1));
        Assert.Throws<TipsException>(() => RidgeProbe.Fit([float.NaN, 1, 2, 3], [1.0, 2.0], 2, 1));
        Assert.Throws<TipsException>(() => RidgeProbe.OneHot([0, 2], 2));
    }
}
