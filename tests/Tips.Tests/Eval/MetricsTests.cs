using Tips.Model;
using Tips.Train.Eval;

namespace Tips.Tests.Eval;

public class MetricsTests
{
    [Fact]
    public void MeanIoUIsOneForPerfectPredictionsAndCountsOnlyPresentClasses()
    {
        int[] truth = [0, 0, 1, 1, 2, 2, 2];
        Assert.Equal(1.0, Metrics.MeanIoU(truth, truth, 5), 12);
        // class 0: 2/3, class 1: 1/2, class 2: 2/3; classes 3, 4 occur nowhere and are skipped.
        int[] predicted = [0, 0, 0, 1, 2, 2, 1];
        double expected = (2.0 / 3 + 1.0 / 3 + 2.0 / 3) / 3;
        Assert.Equal(expected, Metrics.MeanIoU(predicted, truth, 5), 12);
    }

    [Fact]
    public void MeanIoURejectsBadLabelsAndLengths()
    {
        Assert.Throws<TipsException>(() => Metrics.MeanIoU([0, 3], [0, 1], 3));
        Assert.Throws<TipsException>(() => Metrics.MeanIoU([0], [0, 1], 3));
    }

    [Fact]
    public void RmseMatchesTheDefinition()
    {
        Assert.Equal(Math.Sqrt((1 + 4 + 0.25) / 3), Metrics.Rmse([1.0, 2.0, 3.5], [0.0, 4.0, 3.0]), 12);
    }

    [Fact]
    public void RecallIsOneOnIdenticalEmbeddingsAndNearChanceOnRandomOnes()
    {
        var rng = new Random(1);
        int n = 200, d = 32;
        var a = Enumerable.Range(0, n * d).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var ids = Enumerable.Range(0, n).ToArray();
        Assert.Equal(1.0, Metrics.RecallAt1(a, a, d, ids, ids));
        var b = Enumerable.Range(0, n * d).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        Assert.True(Metrics.RecallAt1(a, b, d, ids, ids) < 0.05);
    }

    [Fact]
    public void RecallCountsDuplicateTextsAsOneAnswer()
    {
        // Keys 0 and 1 are the same caption (group 7); query 1 is nearest to key 0 and still a hit.
        float[] queries = [1, 0, 1, 0.1f, 0, 1];
        float[] keys = [1, 0, 1, 0.5f, 0, 1];
        Assert.Equal(1.0, Metrics.RecallAt1(queries, keys, 2, [7, 7, 9], [7, 7, 9]));
        Assert.Equal(2.0 / 3, Metrics.RecallAt1(queries, keys, 2, [7, 8, 9], [7, 8, 9]), 12);
    }

    [Fact]
    public void KnnRecoversClusteredLabelsAndNotRandomOnes()
    {
        var rng = new Random(2);
        int classes = 4, d = 8;
        float[] Points(int n, out int[] labels, bool clustered)
        {
            var l = Enumerable.Range(0, n).Select(i => i % classes).ToArray();
            labels = l;
            return Enumerable.Range(0, n * d).Select(i =>
                (float)((clustered && i % d == l[i / d] ? 3 : 0) + rng.NextDouble() - 0.5)).ToArray();
        }
        var train = Points(80, out var trainLabels, true);
        var test = Points(40, out var testLabels, true);
        Assert.Equal(1.0, Metrics.Accuracy(Metrics.Knn(train, trainLabels, test, d, 5, classes), testLabels));
        var noise = Points(400, out var noiseLabels, false);
        double acc = Metrics.Accuracy(Metrics.Knn(Points(400, out var l2, false), l2, noise, d, 5, classes), noiseLabels);
        Assert.InRange(acc, 0.15, 0.35);
    }
}
