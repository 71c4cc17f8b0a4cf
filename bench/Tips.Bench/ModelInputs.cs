namespace Tips.Bench;

/// <summary>The inputs of the model comparison, built by the same formulas as bench/torch_tips.py.</summary>
public static class ModelInputs
{
    public const int Classes = 1000;

    /// <summary>Text b has 64 - (5 b mod 24) real tokens then padding (id 0), so batches exercise the key mask.</summary>
    public static int[] TextIds(int batch, int tokens, int vocab)
    {
        var ids = new int[batch * tokens];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < tokens - 5 * b % 24; t++)
                ids[b * tokens + t] = 1 + (b * 131 + t * 7919) % (vocab - 1);
        return ids;
    }

    /// <summary>(B, S, S, 3) pixels in [0, 1] from a fixed generator.</summary>
    public static float[] Pixels(int batch, int size)
    {
        var rng = new Random(2);
        var pixels = new float[batch * size * size * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = rng.NextSingle();
        return pixels;
    }

    /// <summary>One-hot targets (B, Classes) of the labels 37 b mod Classes.</summary>
    public static float[] OneHotLabels(int batch)
    {
        var targets = new float[batch * Classes];
        for (int b = 0; b < batch; b++) targets[b * Classes + 37 * b % Classes] = 1f;
        return targets;
    }
}
