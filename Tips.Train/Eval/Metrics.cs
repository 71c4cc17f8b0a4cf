using Tips.Model;

namespace Tips.Train.Eval;

/// <summary>The evaluation metrics, in float64, on host arrays.</summary>
public static class Metrics
{
    /// <summary>Mean over classes of |pred = c and truth = c| / |pred = c or truth = c|, over the classes that occur in either.</summary>
    public static double MeanIoU(ReadOnlySpan<int> predicted, ReadOnlySpan<int> truth, int classes)
    {
        if (predicted.Length != truth.Length) throw new TipsException($"mIoU: {predicted.Length} predictions for {truth.Length} labels");
        var intersection = new long[classes];
        var union = new long[classes];
        for (int i = 0; i < truth.Length; i++)
        {
            int p = Check(predicted[i], classes), t = Check(truth[i], classes);
            if (p == t) { intersection[p]++; union[p]++; }
            else { union[p]++; union[t]++; }
        }
        double sum = 0;
        int present = 0;
        for (int c = 0; c < classes; c++)
            if (union[c] > 0) { sum += (double)intersection[c] / union[c]; present++; }
        return present == 0 ? throw new TipsException("mIoU of no labels") : sum / present;
    }

    public static double Rmse(ReadOnlySpan<double> predicted, ReadOnlySpan<double> truth)
    {
        if (predicted.Length != truth.Length || truth.Length == 0) throw new TipsException($"RMSE: {predicted.Length} predictions for {truth.Length} targets");
        double s = 0;
        for (int i = 0; i < truth.Length; i++) s += (predicted[i] - truth[i]) * (predicted[i] - truth[i]);
        return Math.Sqrt(s / truth.Length);
    }

    public static double Accuracy(ReadOnlySpan<int> predicted, ReadOnlySpan<int> truth)
    {
        if (predicted.Length != truth.Length || truth.Length == 0) throw new TipsException($"accuracy: {predicted.Length} predictions for {truth.Length} labels");
        int hits = 0;
        for (int i = 0; i < truth.Length; i++) if (predicted[i] == truth[i]) hits++;
        return (double)hits / truth.Length;
    }

    /// <summary>
    /// Recall@1 of queries (Q, D) against keys (K, D) by cosine: query i is a hit when its nearest key is one of those whose
    /// <paramref name="keyGroup"/> equals <paramref name="queryGroup"/>[i] (a group per distinct text, so that duplicate
    /// captions count as the same answer).
    /// </summary>
    public static double RecallAt1(float[] queries, float[] keys, int width, int[] queryGroup, int[] keyGroup)
    {
        var nearest = Nearest(queries, keys, width);
        if (nearest.Length != queryGroup.Length || keys.Length / width != keyGroup.Length) throw new TipsException("recall@1: group counts do not match the embeddings");
        int hits = 0;
        for (int i = 0; i < nearest.Length; i++) if (keyGroup[nearest[i]] == queryGroup[i]) hits++;
        return (double)hits / nearest.Length;
    }

    /// <summary>Index of the key with the largest cosine for every query (ties: the first).</summary>
    public static int[] Nearest(float[] queries, float[] keys, int width)
    {
        var cos = Cosines(queries, keys, width);
        int k = keys.Length / width;
        var result = new int[queries.Length / width];
        for (int i = 0; i < result.Length; i++)
        {
            int best = 0;
            for (int j = 1; j < k; j++) if (cos[i * k + j] > cos[i * k + best]) best = j;
            result[i] = best;
        }
        return result;
    }

    /// <summary>
    /// kNN classification by cosine: each test row takes the class with the largest summed similarity among its
    /// <paramref name="k"/> nearest training rows.
    /// </summary>
    public static int[] Knn(float[] train, int[] trainLabels, float[] test, int width, int k, int classes)
    {
        if (train.Length / width != trainLabels.Length) throw new TipsException("kNN: label count does not match the training rows");
        var cos = Cosines(test, train, width);
        int n = trainLabels.Length, kk = Math.Min(k, n);
        var result = new int[test.Length / width];
        var order = new int[n];
        var row = new double[n];
        for (int i = 0; i < result.Length; i++)
        {
            for (int j = 0; j < n; j++) { order[j] = j; row[j] = -cos[i * n + j]; }
            Array.Sort(row, order);
            var votes = new double[classes];
            for (int j = 0; j < kk; j++) votes[Check(trainLabels[order[j]], classes)] += cos[i * n + order[j]];
            result[i] = ArgMax(votes);
        }
        return result;
    }

    public static int ArgMax(ReadOnlySpan<double> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>(Q, K) cosines of the rows of <paramref name="a"/> and <paramref name="b"/>; a zero row has cosine 0.</summary>
    public static double[] Cosines(float[] a, float[] b, int width)
    {
        if (width <= 0 || a.Length % width != 0 || b.Length % width != 0) throw new TipsException($"embeddings are not rows of width {width}");
        var na = Normalized(a, width);
        var nb = Normalized(b, width);
        int q = a.Length / width, k = b.Length / width;
        var result = new double[q * k];
        for (int i = 0; i < q; i++)
            for (int j = 0; j < k; j++)
            {
                double s = 0;
                for (int d = 0; d < width; d++) s += na[i * width + d] * nb[j * width + d];
                result[i * k + j] = s;
            }
        return result;
    }

    private static double[] Normalized(float[] x, int width)
    {
        var result = new double[x.Length];
        for (int r = 0; r < x.Length / width; r++)
        {
            double s = 0;
            for (int d = 0; d < width; d++) s += (double)x[r * width + d] * x[r * width + d];
            double inv = s > 0 ? 1 / Math.Sqrt(s) : 0;
            for (int d = 0; d < width; d++) result[r * width + d] = x[r * width + d] * inv;
        }
        return result;
    }

    private static int Check(int label, int classes) =>
        label >= 0 && label < classes ? label : throw new TipsException($"label {label} is outside [0, {classes})");
}
