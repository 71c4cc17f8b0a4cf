using Tips.Model;
using Tips.Model.Images;
using Tips.Train.Data;

namespace Tips.Train.Eval;

/// <summary>
/// Frozen features of labelled examples at the model's native size, with the per-patch targets of the probes:
/// the majority class of the pixels a patch covers and their mean depth (maps of any size are mapped onto the
/// patch grid proportionally), per image the class of its largest object (-1 when no object is visible), and the
/// images and class maps at the native size.
/// </summary>
public sealed record SceneFeatures(
    float[] Cls1, float[] Cls2, float[] Patches, int Count, int GridHeight, int GridWidth, int Width,
    int[] PatchClasses, double[] PatchDepth, int[] Largest, string[] WebCaptions, string[] SyntheticCaptions, RgbImage[] Images,
    int[][] ClassMaps)
{
    public int PatchesPerImage => GridHeight * GridWidth;

    /// <summary>Encodes <paramref name="count"/> examples of <paramref name="source"/> from <paramref name="start"/>, in batches.</summary>
    public static SceneFeatures Encode(TipsPipeline tips, IExampleSource source, long start, int count, int classes, int batch = 16)
    {
        if (count <= 0 || start < 0 || start + count > source.Count)
            throw new TipsException($"evaluation needs examples [{start}, {start + count}) but the data has {source.Count}");
        var examples = Enumerable.Range(0, count).Select(i => source.Get(start + i)).ToArray();
        foreach (var e in examples)
            if (e.Classes is null || e.Depth is null) throw new TipsException("evaluation data needs class and depth maps (generated scenes or a folder written with them)");
        var images = examples.Select(e => tips.Prepare(e.Image)).ToArray();
        int d = tips.Width, gh = images[0].Height / tips.PatchSize, gw = images[0].Width / tips.PatchSize, p = gh * gw;
        var cls1 = new float[count * d];
        var cls2 = new float[count * d];
        var patches = new float[(long)count * p * d];
        for (int b = 0; b < count; b += batch)
        {
            var f = tips.EncodeImages(images[b..Math.Min(count, b + batch)]);
            f.Cls1.CopyTo(cls1, b * d);
            f.Cls2.CopyTo(cls2, b * d);
            f.PatchTokens.CopyTo(patches, (long)b * p * d);
        }
        var patchClasses = new int[count * p];
        var patchDepth = new double[count * p];
        var largest = new int[count];
        for (int i = 0; i < count; i++)
        {
            PatchTargets(examples[i], gh, gw, classes, patchClasses.AsSpan(i * p, p), patchDepth.AsSpan(i * p, p));
            largest[i] = LargestObject(examples[i].Classes!, classes);
        }
        return new SceneFeatures(cls1, cls2, patches, count, gh, gw, d, patchClasses, patchDepth, largest,
            examples.Select(e => e.WebCaption).ToArray(), examples.Select(e => e.SyntheticCaption).ToArray(), images,
            examples.Select((e, i) => ResizeNearest(e.Classes!, e.Height, e.Width, images[i].Height, images[i].Width)).ToArray());
    }

    /// <summary>A label map taken to another size by nearest neighbour (pixel centres).</summary>
    public static int[] ResizeNearest(int[] map, int height, int width, int toHeight, int toWidth)
    {
        var result = new int[toHeight * toWidth];
        for (int y = 0; y < toHeight; y++)
        {
            int sy = (int)((y + 0.5) * height / toHeight);
            for (int x = 0; x < toWidth; x++) result[y * toWidth + x] = map[sy * width + (int)((x + 0.5) * width / toWidth)];
        }
        return result;
    }

    /// <summary>Majority class (ties: the smaller id) and mean depth of the pixels under each patch of a gh x gw grid.</summary>
    public static void PatchTargets(Example e, int gh, int gw, int classes, Span<int> labels, Span<double> depth)
    {
        var counts = new int[gh * gw * classes];
        var sums = new double[gh * gw];
        var pixels = new int[gh * gw];
        for (int y = 0; y < e.Height; y++)
            for (int x = 0; x < e.Width; x++)
            {
                int cell = (int)((long)y * gh / e.Height) * gw + (int)((long)x * gw / e.Width);
                int c = e.Classes![y * e.Width + x];
                if (c < 0 || c >= classes) throw new TipsException($"class id {c} is outside [0, {classes})");
                counts[cell * classes + c]++;
                sums[cell] += e.Depth![y * e.Width + x];
                pixels[cell]++;
            }
        for (int cell = 0; cell < gh * gw; cell++)
        {
            if (pixels[cell] == 0) throw new TipsException($"a {e.Height}x{e.Width} map is smaller than the {gh}x{gw} patch grid");
            int best = 0;
            for (int c = 1; c < classes; c++) if (counts[cell * classes + c] > counts[cell * classes + best]) best = c;
            labels[cell] = best;
            depth[cell] = sums[cell] / pixels[cell];
        }
    }

    /// <summary>The object class (1..classes-1) with the most pixels, or -1 when only background is visible.</summary>
    public static int LargestObject(ReadOnlySpan<int> classMap, int classes)
    {
        var counts = new int[classes];
        foreach (int c in classMap) if (c > 0 && c < classes) counts[c]++;
        int best = -1;
        for (int c = 1; c < classes; c++) if (counts[c] > 0 && (best < 0 || counts[c] > counts[best])) best = c;
        return best;
    }
}
