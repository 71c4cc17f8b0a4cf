namespace Tips.Model.Images;

/// <summary>
/// Resizing as PIL's Image.resize on float ('F' mode) data: horizontal pass, then vertical pass, each skipped when
/// that size is unchanged; float64 accumulation, float32 results (also between the passes).
/// </summary>
public static class ImagePreprocess
{
    /// <summary>Squashes to height x width (no crop), as the released preprocessing does; same size: returned as is.</summary>
    public static RgbImage Preprocess(RgbImage image, int height, int width, ResizeFilter filter = ResizeFilter.Bilinear) =>
        image.Height == height && image.Width == width ? image : Resize(image, height, width, filter);

    public static RgbImage Resize(RgbImage image, int height, int width, ResizeFilter filter = ResizeFilter.Bilinear) =>
        new(height, width, Resize(image.Pixels, image.Height, image.Width, 3, height, width, filter));

    /// <summary>Resizes (H, W, C) channels-last float data to (outH, outW, C).</summary>
    public static float[] Resize(ReadOnlySpan<float> src, int h, int w, int channels, int outH, int outW, ResizeFilter filter = ResizeFilter.Bilinear)
    {
        if (h <= 0 || w <= 0 || channels <= 0 || outH <= 0 || outW <= 0)
            throw new TipsException($"resize sizes must be positive, got {h}x{w}x{channels} -> {outH}x{outW}");
        if (src.Length != (long)h * w * channels) throw new TipsException($"resize input has {src.Length} values, expected {h}x{w}x{channels}");
        if ((long)Math.Max(outH, h) * outW * channels > Array.MaxLength) throw new TipsException($"resize target {outH}x{outW}x{channels} is too large");

        float[] current = src.ToArray();
        if (outW != w)
        {
            var k = new ResampleWeights(w, outW, filter);
            var next = new float[h * outW * channels];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < outW; x++)
                    for (int c = 0; c < channels; c++)
                    {
                        double s = 0;
                        for (int t = 0; t < k.Count[x]; t++)
                            s += current[(y * w + k.Start[x] + t) * channels + c] * k.Weights[x * k.Stride + t];
                        next[(y * outW + x) * channels + c] = (float)s;
                    }
            current = next;
        }
        if (outH != h)
        {
            var k = new ResampleWeights(h, outH, filter);
            var next = new float[outH * outW * channels];
            for (int y = 0; y < outH; y++)
                for (int x = 0; x < outW; x++)
                    for (int c = 0; c < channels; c++)
                    {
                        double s = 0;
                        for (int t = 0; t < k.Count[y]; t++)
                            s += current[((k.Start[y] + t) * outW + x) * channels + c] * k.Weights[y * k.Stride + t];
                        next[(y * outW + x) * channels + c] = (float)s;
                    }
            current = next;
        }
        return current;
    }
}
