using System.Globalization;
using Tips.Model;
using Tips.Train.Data;

namespace Tips.Train.Eval;

/// <summary>
/// Fashion-MNIST on frozen CLS1 features of any checkpoint: a closed-form ridge linear probe (one-hot targets, argmax)
/// and cosine kNN, fitted on the first training images and measured on the first test images. Images are grey
/// expanded to RGB and resized (antialiased bilinear, as every input) to the model's native size.
/// </summary>
public static class FashionProbe
{
    public static EvalReport Run(TipsPipeline tips, FashionMnist train, FashionMnist test, int k = 10, double lambda = 1e-3, Action<string>? progress = null)
    {
        int classes = FashionMnist.ClassNames.Length, d = tips.Width;
        progress?.Invoke($"encoding {train.Count} training and {test.Count} test images");
        var x = Encode(tips, train);
        var xt = Encode(tips, test);
        var y = train.Labels.Select(l => (int)l).ToArray();
        var yt = test.Labels.Select(l => (int)l).ToArray();
        var counts = new double[classes];
        foreach (int l in y) counts[l]++;
        double chance = Metrics.Accuracy(Enumerable.Repeat(Metrics.ArgMax(counts), yt.Length).ToArray(), yt);

        progress?.Invoke("linear probe and kNN");
        var probe = RidgeProbe.Fit(x, RidgeProbe.OneHot(y, classes), d, classes, lambda);
        var metrics = new List<Metric>
        {
            new("fashion_linear_acc", Metrics.Accuracy(probe.Classify(xt), yt), chance, true,
                $"ridge probe on L2-normalised CLS1, {classes} classes, fit on {train.Count} training images; chance = the most frequent training class"),
            new("fashion_knn_acc", Metrics.Accuracy(Metrics.Knn(x, y, xt, d, k, classes), yt), chance, true,
                $"{k}-NN (cosine) on CLS1 over {train.Count} training images"),
        };
        var setup = new Dictionary<string, string>
        {
            ["data"] = "fashion-mnist",
            ["train_images"] = train.Count.ToString(CultureInfo.InvariantCulture),
            ["test_images"] = test.Count.ToString(CultureInfo.InvariantCulture),
            ["image_size"] = $"{FashionMnist.Side}x{FashionMnist.Side} grey -> {tips.NativeSize}x{tips.NativeSize} RGB",
            ["probe"] = $"closed-form ridge (float64), lambda {lambda} x mean feature variance",
        };
        return new EvalReport(metrics, setup);
    }

    /// <summary>(N, D) L2-normalised CLS1 rows of every image, encoded in batches.</summary>
    public static float[] Encode(TipsPipeline tips, FashionMnist data, int batch = 32)
    {
        int d = tips.Width;
        var result = new float[(long)data.Count * d];
        for (int b = 0; b < data.Count; b += batch)
        {
            var images = Enumerable.Range(b, Math.Min(batch, data.Count - b)).Select(i => tips.Prepare(data.Image(i))).ToArray();
            tips.EncodeImages(images).Cls1.CopyTo(result, (long)b * d);
        }
        for (int i = 0; i < data.Count; i++)
        {
            var row = result.AsSpan(i * d, d);
            double norm = 0;
            foreach (float v in row) norm += (double)v * v;
            float inv = (float)(1 / Math.Sqrt(Math.Max(norm, 1e-24)));
            foreach (ref float v in row) v *= inv;
        }
        return result;
    }
}
