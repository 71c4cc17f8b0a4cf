using Tips.Model;
using Tips.Train.Data;

namespace Tips.Train.Eval;

/// <summary>Sizes of an evaluation; probes are closed-form, so the only randomness is the chance baselines' seed.</summary>
public sealed record EvalOptions
{
    /// <summary>Images whose features fit the probes and form the kNN memory.</summary>
    public int ProbeImages { get; init; } = 300;
    /// <summary>Held-out images every metric is measured on.</summary>
    public int TestImages { get; init; } = 100;
    /// <summary>Held-out images run through the zero-shot segmentation recipe (the slowest metric).</summary>
    public int SegmentImages { get; init; } = 25;
    public int KnnK { get; init; } = 10;
    public double RidgeLambda { get; init; } = 1e-3;
    /// <summary>Prompt templates of zero-shot segmentation; null: the nine released ones.</summary>
    public IReadOnlyList<string>? SegmentTemplates { get; init; }
    public int Seed { get; init; } = 0;
}

/// <summary>
/// The evaluation protocols of tips-training.md on frozen features, for data labelled like the generated scenes
/// (class 0 background, 1..8 the <see cref="ShapeKind"/>s):
/// linear probes on patch tokens (segmentation mIoU over per-patch majority labels; depth RMSE over per-patch mean
/// depth), image-text retrieval R@1 (web captions with CLS1, synthetic with CLS2), zero-shot classification of the
/// largest object with object-kind prompts against CLS1, zero-shot segmentation with the released recipe
/// (TipsPipeline.Segment at the native size), and kNN classification of the largest object on CLS1.
/// </summary>
public static class Evaluator
{
    public const int Classes = SceneWords.ClassCount + 1;
    public const string ClassPrompt = "a photo of a {}.";

    /// <summary>Zero-shot segmentation templates in the words of the scenes' web captions (a model trained on them has never
    /// seen most words of the released templates, such as "itap" or "origami").</summary>
    public static IReadOnlyList<string> SceneTemplates { get; } = ["a {}", "photo of a {}", ClassPrompt, "{}"];

    public static string[] KindNames => Enum.GetValues<ShapeKind>().Select(SceneWords.Kind).ToArray();

    /// <summary>Evaluates on <paramref name="probe"/> (probe fitting, kNN memory) and <paramref name="test"/> examples.
    /// <paramref name="classNames"/> names class ids 1..K of other data (default: the scene kinds, <see cref="KindNames"/>).</summary>
    public static EvalReport Run(TipsPipeline tips, IExampleSource probe, long probeStart, IExampleSource test, long testStart,
        EvalOptions options, Action<string>? progress = null, IReadOnlyList<string>? classNames = null)
    {
        var kinds = (classNames ?? KindNames).ToArray();
        int classes = kinds.Length + 1;
        progress?.Invoke($"encoding {options.ProbeImages} probe and {options.TestImages} test images");
        var train = SceneFeatures.Encode(tips, probe, probeStart, options.ProbeImages, classes);
        var held = SceneFeatures.Encode(tips, test, testStart, options.TestImages, classes);
        var rng = new Random(options.Seed);
        var metrics = new List<Metric>();

        progress?.Invoke("linear probes");
        // Class-balanced rows: plain least squares on one-hot targets predicts the dominant background almost everywhere.
        var seg = RidgeProbe.Fit(train.Patches, RidgeProbe.OneHot(train.PatchClasses, classes), train.Width, classes, options.RidgeLambda,
            RidgeProbe.BalancedWeights(train.PatchClasses, classes));
        metrics.Add(new("probe_seg_miou", Metrics.MeanIoU(seg.Classify(held.Patches), held.PatchClasses, classes),
            Metrics.MeanIoU(Enumerable.Repeat(MostFrequent(train.PatchClasses, classes), held.PatchClasses.Length).ToArray(), held.PatchClasses, classes), true,
            $"class-balanced ridge probe on patch tokens, {classes} classes, target = majority class of the patch's pixels; chance = the most frequent class everywhere"));
        var depth = RidgeProbe.Fit(train.Patches, train.PatchDepth, train.Width, 1, options.RidgeLambda);
        double meanDepth = train.PatchDepth.Average();
        metrics.Add(new("probe_depth_rmse", Metrics.Rmse(depth.Predict(held.Patches), held.PatchDepth),
            Metrics.Rmse(Enumerable.Repeat(meanDepth, held.PatchDepth.Length).ToArray(), held.PatchDepth), false,
            "ridge probe on patch tokens, target = mean depth of the patch's pixels (scene units); chance = the probe set's mean depth"));

        progress?.Invoke("retrieval");
        var web = tips.EncodeText(held.WebCaptions).Embeddings;
        var synthetic = tips.EncodeText(held.SyntheticCaptions).Embeddings;
        AddRetrieval(metrics, "web", "CLS1", held.Cls1, web, held.WebCaptions, held.Width);
        AddRetrieval(metrics, "synthetic", "CLS2", held.Cls2, synthetic, held.SyntheticCaptions, held.Width);

        progress?.Invoke("zero-shot classification and kNN");
        var prompts = tips.EncodeText(Prompts.Fill(ClassPrompt, kinds)).Embeddings;
        var (testCls, testLabels) = WithObject(held.Cls1, held.Largest, held.Width);
        var predicted = Metrics.Nearest(testCls, prompts, held.Width);
        metrics.Add(new("zeroshot_cls_acc", Metrics.Accuracy(predicted, testLabels), 1.0 / kinds.Length, true,
            $"largest object's kind, prompts '{ClassPrompt}' vs CLS1 over {kinds.Length} kinds"));
        var (trainCls, trainLabels) = WithObject(train.Cls1, train.Largest, train.Width);
        var knn = Metrics.Knn(trainCls, trainLabels, testCls, held.Width, options.KnnK, kinds.Length);
        metrics.Add(new("knn_cls_acc", Metrics.Accuracy(knn, testLabels), 1.0 / kinds.Length, true,
            $"largest object's kind, {options.KnnK}-NN on CLS1 (cosine) over the {trainLabels.Length} probe images"));

        int n = Math.Min(options.SegmentImages, held.Count);
        progress?.Invoke($"zero-shot segmentation of {n} images");
        var predictedPixels = new List<int>();
        var truthPixels = new List<int>();
        for (int i = 0; i < n; i++)
        {
            var result = tips.Segment(held.Images[i], kinds, templates: options.SegmentTemplates);
            var truth = held.ClassMaps[i];
            for (int j = 0; j < truth.Length; j++)
                if (truth[j] > 0) { predictedPixels.Add(result.Labels[j]); truthPixels.Add(truth[j] - 1); }
        }
        metrics.Add(new("zeroshot_seg_miou", Metrics.MeanIoU(predictedPixels.ToArray(), truthPixels.ToArray(), kinds.Length),
            Metrics.MeanIoU(RandomLabels(rng, truthPixels.Count, kinds.Length), truthPixels.ToArray(), kinds.Length), true,
            $"released recipe ({(options.SegmentTemplates is null ? "the 9 released prompts" : $"{options.SegmentTemplates.Count} scene-caption prompts")}, value-path last block, native-size window) over {kinds.Length} kinds, on object pixels of {n} images; chance = uniform random labels"));

        var setup = new Dictionary<string, string>
        {
            ["probe_images"] = options.ProbeImages.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["test_images"] = options.TestImages.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["image_size"] = $"{held.Images[0].Height}x{held.Images[0].Width}",
            ["patch_grid"] = $"{held.GridHeight}x{held.GridWidth}",
            ["probe"] = $"closed-form ridge (float64), lambda {options.RidgeLambda} x mean feature variance",
        };
        return new EvalReport(metrics, setup);
    }

    private static void AddRetrieval(List<Metric> metrics, string kind, string cls, float[] images, float[] texts, string[] captions, int width)
    {
        // Identical captions are one answer: a group id per distinct text.
        var ids = new Dictionary<string, int>();
        var group = captions.Select(c => ids.TryGetValue(c, out int g) ? g : ids[c] = ids.Count).ToArray();
        double chance = group.Average(g => group.Count(h => h == g)) / group.Length;
        metrics.Add(new($"retrieval_{kind}_i2t", Metrics.RecallAt1(images, texts, width, group, group), chance, true,
            $"image->text R@1 over {captions.Length} {kind} captions with {cls}"));
        metrics.Add(new($"retrieval_{kind}_t2i", Metrics.RecallAt1(texts, images, width, group, group), chance, true,
            $"text->image R@1 over {captions.Length} images with {cls}"));
    }

    /// <summary>The CLS rows and 0-based kinds of the images that show an object.</summary>
    private static (float[] Cls, int[] Labels) WithObject(float[] cls, int[] largest, int width)
    {
        var keep = Enumerable.Range(0, largest.Length).Where(i => largest[i] > 0).ToArray();
        if (keep.Length == 0) throw new TipsException("no evaluation image shows an object");
        return (keep.SelectMany(i => cls.AsSpan(i * width, width).ToArray()).ToArray(), keep.Select(i => largest[i] - 1).ToArray());
    }

    private static int MostFrequent(int[] labels, int classes)
    {
        var counts = new double[classes];
        foreach (int l in labels) counts[l]++;
        return Metrics.ArgMax(counts);
    }

    private static int[] RandomLabels(Random rng, int count, int classes) => Enumerable.Range(0, count).Select(_ => rng.Next(classes)).ToArray();
}
