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
    public void IntegerRowWeightsEqualRepeatedRows()
    {
        var rng = new Random(6);
        int n = 60, d = 3, o = 2;
        var x = Enumerable.Range(0, n * d).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var y = Enumerable.Range(0, n * o).Select(_ => rng.NextDouble() * 3 - 1).ToArray();
        var weights = Enumerable.Range(0, n).Select(i => (double)(i % 3)).ToArray();
        var repeatedX = Enumerable.Range(0, n).SelectMany(i => Enumerable.Repeat(i, i % 3)).SelectMany(i => x.AsSpan(i * d, d).ToArray()).ToArray();
        var repeatedY = Enumerable.Range(0, n).SelectMany(i => Enumerable.Repeat(i, i % 3)).SelectMany(i => y.AsSpan(i * o, o).ToArray()).ToArray();
        var weighted = RidgeProbe.Fit(x, y, d, o, lambda: 0.1, rowWeights: weights).Predict(x);
        var repeated = RidgeProbe.Fit(repeatedX, repeatedY, d, o, lambda: 0.1).Predict(x);
        var plain = RidgeProbe.Fit(x, y, d, o, lambda: 0.1).Predict(x);
        for (int i = 0; i < weighted.Length; i++) Assert.True(Math.Abs(weighted[i] - repeated[i]) <= 1e-9 + 1e-9 * Math.Abs(repeated[i]), $"{i}: {weighted[i]} vs {repeated[i]}");
        Assert.True(weighted.Zip(plain).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "the weights changed nothing");
    }

    [Fact]
    public void BalancedWeightsGiveEveryClassTheSameTotal()
    {
        int[] labels = [0, 0, 0, 0, 0, 0, 1, 1, 2, 0];
        var w = RidgeProbe.BalancedWeights(labels, 4);
        Assert.Equal(10.0 / 7, w[0], 12);
        Assert.Equal(5.0, w[6], 12);
        Assert.Equal(10.0, w[8], 12);
        for (int c = 0; c < 3; c++) Assert.Equal(10.0, labels.Select((l, i) => l == c ? w[i] : 0).Sum(), 9);
        // A rare class that plain least squares drowns: balanced weights let the probe predict it.
        var rng = new Random(7);
        var rare = Enumerable.Range(0, 2000).Select(i => i % 20 == 0 ? 1 : 0).ToArray();
        var x = rare.Select(l => (float)(l + rng.NextDouble() * 1.6)).ToArray();
        int Predicted(RidgeProbe p) => p.Classify(x).Count(c => c == 1);
        var y = RidgeProbe.OneHot(rare, 2);
        Assert.True(Predicted(RidgeProbe.Fit(x, y, 1, 2, rowWeights: RidgeProbe.BalancedWeights(rare, 2))) > 2 * Predicted(RidgeProbe.Fit(x, y, 1, 2)));
    }

    [Fact]
    public void MismatchedShapesAndNonFiniteFeaturesAreClearErrors()
    {
        Assert.Throws<TipsException>(() => RidgeProbe.Fit(new float[4], new double[2], 2, 1, rowWeights: [1.0]));
        Assert.Throws<TipsException>(() => RidgeProbe.Fit(new float[4], new double[2], 2, 1, rowWeights: [1.0, -1.0]));
        Assert.Throws<TipsException>(() => RidgeProbe.Fit(new float[4], new double[2], 2, 1, rowWeights: [0.0, 0.0]));
        Assert.Throws<TipsException>(() => RidgeProbe.Fit(new float[10], new double[3], 5, 1));
        Assert.Throws<TipsException>(() => RidgeProbe.Fit([float.NaN, 1, 2, 3], [1.0, 2.0], 2, 1));
        Assert.Throws<TipsException>(() => RidgeProbe.OneHot([0, 2], 2));
    }
}
