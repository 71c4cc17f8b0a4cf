using Tips.Model.Config;

namespace Tips.Bench;

/// <summary>
/// Matrix-multiply flops of one timed step (patch embedding, the blocks' projections and MLP, attention's two
/// products), the figure achieved TFLOP/s is computed from. Norms and pointwise ops are left out: they are a few
/// per cent and memory-bound. A training step counts three forwards (forward, and a backward with a product each
/// for the input and the weight gradients).
/// </summary>
public static class ModelFlops
{
    public static double Step(TipsConfig config, string tower, string kind, int size, int tokens, int batch)
    {
        double forward = tower == "vision" ? Vision(config.Vision, size) : Text(config.Text, tokens);
        return batch * forward * (kind == "train" ? 3 : 1);
    }

    public static double Vision(VisionConfig c, int size)
    {
        double patches = (double)(size / c.PatchSize) * (size / c.PatchSize);
        double patchEmbed = 2 * patches * c.Width * 3 * c.PatchSize * c.PatchSize;
        int ffnOut = c.Ffn == FfnKind.SwiGlu ? 2 * c.MlpDim : c.MlpDim;
        return patchEmbed + c.Depth * Block(patches + 2, c.Width, ffnOut, c.MlpDim);
    }

    public static double Text(TextConfig c, int tokens) => c.Depth * Block(tokens, c.Width, c.MlpDim, c.MlpDim);

    /// <summary>qkv, proj, fc1 (ffnOut outputs), fc2 (hidden inputs), and QK^T and PV over n tokens.</summary>
    private static double Block(double n, int d, int ffnOut, int hidden) =>
        2 * n * d * (3 * d + d + ffnOut) + 2 * n * hidden * d + 2 * 2 * n * n * d;
}
