using Tips.Model.Images;
using Tips.Model.Towers;

namespace Tips.Model;

/// <summary>A class index per pixel (H, W) row-major, for the labels in <see cref="Classes"/>.</summary>
public sealed record SegmentationResult(int[] Labels, int Height, int Width, IReadOnlyList<string> Classes);

/// <summary>
/// The released zero-shot segmentation recipe (TIPSv2 notebook, tips-model.md "Downstream recipes"): class text =
/// mean of the 9 normalised prompt embeddings, renormalised; the image's short side resized to S (bicubic); sliding windows of
/// the native size with stride 3/4 of it; every window through the image tower with the last block on the value
/// path; patch cosine vs classes -> bilinear upsample to the window -> softmax over classes -> average of the
/// windows covering each pixel -> argmax; the label map taken back to the input size by nearest neighbour.
/// </summary>
public static class Segmentation
{
    private const int WindowBatch = 4;

    /// <param name="tips">The pipeline; needs both towers and the tokenizer.</param>
    /// <param name="image">The image at any size; the label map comes back at this size.</param>
    /// <param name="labels">Class names, one per output index.</param>
    /// <param name="shortSide">S: the short side the image is resized to before the sliding windows.</param>
    /// <param name="templates">The prompt templates averaged per class; null: the release's nine (<see cref="Prompts.Segmentation"/>).</param>
    public static SegmentationResult Run(TipsPipeline tips, RgbImage image, IReadOnlyList<string> labels, int shortSide,
        IReadOnlyList<string>? templates = null)
    {
        var vision = tips.RequireVision();
        int p = vision.Config.PatchSize, d = tips.Width, classes = labels.Count;
        if (classes == 0) throw new TipsException("no labels to segment with");
        if (shortSide < p) throw new TipsException($"segmentation size {shortSide} is smaller than the patch size {p}");
        var classEmbeddings = ClassEmbeddings(tips, labels, templates);

        // The notebook's ShortSideResize: short side to S, long side int(S * long / short) (truncated), bicubic.
        int h = image.Height <= image.Width ? shortSide : (int)((long)shortSide * image.Height / image.Width);
        int w = image.Height <= image.Width ? (int)((long)shortSide * image.Width / image.Height) : shortSide;
        var resized = ImagePreprocess.Preprocess(image, h, w, ResizeFilter.Bicubic);
        int window = Math.Min(tips.NativeSize, shortSide) / p * p;
        int stride = Math.Max(p, window * 3 / 4);

        var starts = (from y in Starts(h, window, stride) from x in Starts(w, window, stride) select (y, x)).ToArray();
        var probabilities = new double[(long)h * w * classes];
        foreach (var chunk in starts.Chunk(WindowBatch))
        {
            var crops = chunk.Select(s => Crop(resized, s.y, s.x, window)).ToArray();
            var features = tips.EncodeImages(crops, new VisionOptions { ValuePathLastBlock = true });
            int patches = features.GridHeight * features.GridWidth;
            for (int i = 0; i < chunk.Length; i++)
            {
                var tokens = Embeddings.Normalize(features.PatchTokens.AsSpan(i * patches * d, patches * d), d);
                var logits = new float[patches * classes];
                for (int t = 0; t < patches; t++)
                    for (int c = 0; c < classes; c++)
                    {
                        double s = 0;
                        for (int k = 0; k < d; k++) s += tokens[t * d + k] * classEmbeddings[c * d + k];
                        logits[t * classes + c] = (float)s;
                    }
                var upsampled = ImagePreprocess.Resize(logits, features.GridHeight, features.GridWidth, classes, window, window);
                Accumulate(upsampled, chunk[i].y, chunk[i].x, window, w, classes, probabilities);
            }
        }

        // Every class of a pixel has the same window count, so the argmax of the sum is that of the average.
        var small = new int[h * w];
        for (int i = 0; i < small.Length; i++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++)
                if (probabilities[(long)i * classes + c] > probabilities[(long)i * classes + best]) best = c;
            small[i] = best;
        }
        var result = new int[image.Height * image.Width];
        for (int y = 0; y < image.Height; y++)
        {
            int sy = Math.Min(h - 1, (int)((y + 0.5) * h / image.Height));
            for (int x = 0; x < image.Width; x++)
                result[y * image.Width + x] = small[sy * w + Math.Min(w - 1, (int)((x + 0.5) * w / image.Width))];
        }
        return new SegmentationResult(result, image.Height, image.Width, labels.ToArray());
    }

    /// <summary>Per class: mean of the normalised embeddings of its prompts (the nine released templates unless
    /// <paramref name="templates"/> says otherwise), renormalised. (C, D).</summary>
    public static double[] ClassEmbeddings(TipsPipeline tips, IReadOnlyList<string> labels, IReadOnlyList<string>? templates = null)
    {
        templates ??= Prompts.Segmentation;
        if (templates.Count == 0) throw new TipsException("no prompt templates to segment with");
        var prompts = labels.SelectMany(l => templates.Select(t => Prompts.Fill(t, l))).ToArray();
        int d = tips.Width, n = templates.Count;
        var normalized = Embeddings.Normalize(tips.EncodeText(prompts).Embeddings, d);
        var result = new double[labels.Count * d];
        for (int c = 0; c < labels.Count; c++)
            for (int t = 0; t < n; t++)
                for (int k = 0; k < d; k++) result[c * d + k] += normalized[(c * n + t) * d + k] / n;
        Embeddings.NormalizeInPlace(result, d);
        return result;
    }

    /// <summary>Window starts along one axis: every stride, the last one flush with the end (mmseg's slide inference).</summary>
    private static IEnumerable<int> Starts(int length, int window, int stride)
    {
        int n = Math.Max(length - window + stride - 1, 0) / stride + 1;
        return Enumerable.Range(0, n).Select(i => Math.Min(i * stride, length - window)).Distinct();
    }

    private static RgbImage Crop(RgbImage image, int top, int left, int size)
    {
        var pixels = new float[size * size * 3];
        for (int y = 0; y < size; y++)
            Array.Copy(image.Pixels, ((top + y) * image.Width + left) * 3, pixels, y * size * 3, size * 3);
        return new RgbImage(size, size, pixels);
    }

    /// <summary>Adds softmax over classes (no temperature, as the recipe) of each window pixel's logits.</summary>
    private static void Accumulate(float[] logits, int top, int left, int size, int width, int classes, double[] sum)
    {
        var e = new double[classes];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int o = (y * size + x) * classes;
                double max = double.NegativeInfinity, total = 0;
                for (int c = 0; c < classes; c++) max = Math.Max(max, logits[o + c]);
                for (int c = 0; c < classes; c++) total += e[c] = Math.Exp(logits[o + c] - max);
                long pixel = (long)(top + y) * width + left + x;
                for (int c = 0; c < classes; c++) sum[pixel * classes + c] += e[c] / total;
            }
    }
}
