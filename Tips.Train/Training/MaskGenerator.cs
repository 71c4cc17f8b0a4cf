namespace Tips.Train.Training;

/// <summary>Masks for the masked view: round(ratio * h * w) patches per image, as 0/1 rows of (B, h * w).</summary>
public static class MaskGenerator
{
    public static float[] Create(TrainRng rng, MaskKind kind, float ratio, int batch, int gh, int gw)
    {
        int n = gh * gw, target = (int)Math.Round(ratio * n);
        var mask = new float[batch * n];
        for (int b = 0; b < batch; b++)
        {
            var image = mask.AsSpan(b * n, n);
            if (kind == MaskKind.Block) Blocks(rng, image, target, gh, gw);
            FillRandom(rng, image, target);
        }
        return mask;
    }

    /// <summary>Tops up to <paramref name="target"/> masked positions with uniformly random unmasked ones (partial Fisher-Yates).</summary>
    private static void FillRandom(TrainRng rng, Span<float> image, int target)
    {
        var free = new List<int>();
        for (int i = 0; i < image.Length; i++) if (image[i] == 0f) free.Add(i);
        int need = target - (image.Length - free.Count);
        for (int i = 0; i < need; i++)
        {
            int j = i + rng.Next(free.Count - i);
            (free[i], free[j]) = (free[j], free[i]);
            image[free[i]] = 1f;
        }
    }

    /// <summary>
    /// BEiT-style block masking: rectangles of random area (at least 4 patches when that fits) and aspect ratio
    /// log-uniform in [0.3, 1/0.3] until the target is reached or 10 tries add nothing; the caller tops up the rest.
    /// </summary>
    private static void Blocks(TrainRng rng, Span<float> image, int target, int gh, int gw)
    {
        int masked = 0, idle = 0;
        while (masked < target && idle < 10)
        {
            int remaining = target - masked;
            double area = Math.Min(4, remaining) + rng.NextDouble() * (remaining - Math.Min(4, remaining));
            double aspect = Math.Exp(Math.Log(0.3) + rng.NextDouble() * (Math.Log(1 / 0.3) - Math.Log(0.3)));
            int h = (int)Math.Round(Math.Sqrt(area * aspect)), w = (int)Math.Round(Math.Sqrt(area / aspect));
            int added = 0;
            if (h >= 1 && w >= 1 && h <= gh && w <= gw)
            {
                int top = rng.Next(gh - h + 1), left = rng.Next(gw - w + 1);
                for (int y = top; y < top + h; y++)
                    for (int x = left; x < left + w && masked + added < target; x++)
                        if (image[y * gw + x] == 0f) { image[y * gw + x] = 1f; added++; }
            }
            masked += added;
            idle = added == 0 ? idle + 1 : 0;
        }
    }
}
