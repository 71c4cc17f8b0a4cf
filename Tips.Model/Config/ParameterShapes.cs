namespace Tips.Model.Config;

/// <summary>The state-dict keys and shapes a config implies, in the official PyTorch layout and order
/// (Linear (out, in), Conv (out, in, kh, kw)).</summary>
public static class ParameterShapes
{
    /// <summary>Vision keys a checkpoint may lack: <c>mask_token</c> is only used in masked-image training.</summary>
    public static IReadOnlyList<string> VisionOptional { get; } = ["mask_token"];

    /// <summary>Vision tower key -> shape (D width, G position grid, P patch, h FFN hidden).</summary>
    public static Dictionary<string, int[]> Vision(VisionConfig c)
    {
        int d = c.Width, h = c.MlpDim, p = c.PatchSize;
        var s = new Dictionary<string, int[]>(StringComparer.Ordinal)
        {
            ["cls_token"] = [1, 1, d],
            ["pos_embed"] = [1, 1 + c.PosGrid * c.PosGrid, d],
            ["register_tokens"] = [1, 1, d],
            ["mask_token"] = [1, d],
            ["patch_embed.proj.weight"] = [d, 3, p, p],
            ["patch_embed.proj.bias"] = [d],
        };
        for (int i = 0; i < c.Depth; i++)
        {
            var b = $"blocks.{i}.";
            s[b + "norm1.weight"] = [d];
            s[b + "norm1.bias"] = [d];
            s[b + "attn.qkv.weight"] = [3 * d, d];
            s[b + "attn.qkv.bias"] = [3 * d];
            s[b + "attn.proj.weight"] = [d, d];
            s[b + "attn.proj.bias"] = [d];
            s[b + "ls1.gamma"] = [d];
            s[b + "norm2.weight"] = [d];
            s[b + "norm2.bias"] = [d];
            if (c.Ffn == FfnKind.SwiGlu)
            {
                s[b + "mlp.w12.weight"] = [2 * h, d];
                s[b + "mlp.w12.bias"] = [2 * h];
                s[b + "mlp.w3.weight"] = [d, h];
                s[b + "mlp.w3.bias"] = [d];
            }
            else
            {
                s[b + "mlp.fc1.weight"] = [h, d];
                s[b + "mlp.fc1.bias"] = [h];
                s[b + "mlp.fc2.weight"] = [d, h];
                s[b + "mlp.fc2.bias"] = [d];
            }
            s[b + "ls2.gamma"] = [d];
        }
        s["norm.weight"] = [d];
        s["norm.bias"] = [d];
        return s;
    }

    /// <summary>Text tower key -> shape (D width, V vocabulary, M MLP hidden); <c>temperature</c> is 0-d.</summary>
    public static Dictionary<string, int[]> Text(TextConfig c)
    {
        int d = c.Width, m = c.MlpDim;
        var s = new Dictionary<string, int[]>(StringComparer.Ordinal)
        {
            ["temperature"] = [],
            ["token_embedding.weight"] = [c.VocabSize, d],
        };
        for (int i = 0; i < c.Depth; i++)
        {
            var b = $"transformer.resblocks.{i}.";
            s[b + "attn.in_proj_weight"] = [3 * d, d];
            s[b + "attn.in_proj_bias"] = [3 * d];
            s[b + "attn.out_proj.weight"] = [d, d];
            s[b + "attn.out_proj.bias"] = [d];
            s[b + "ln_1.weight"] = [d];
            s[b + "ln_1.bias"] = [d];
            s[b + "mlp.c_fc.weight"] = [m, d];
            s[b + "mlp.c_fc.bias"] = [m];
            s[b + "mlp.c_proj.weight"] = [d, m];
            s[b + "mlp.c_proj.bias"] = [d];
            s[b + "ln_2.weight"] = [d];
            s[b + "ln_2.bias"] = [d];
        }
        s["ln_final.weight"] = [d];
        s["ln_final.bias"] = [d];
        return s;
    }
}
