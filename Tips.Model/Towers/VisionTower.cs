using Tips.Kernels;
using Tips.Model.Checkpoints;
using Tips.Model.Config;
using Tips.Model.Nn;
using Tips.Model.Tensors;

namespace Tips.Model.Towers;

/// <summary>What to compute besides the final outputs.</summary>
public sealed class VisionOptions
{
    /// <summary>
    /// Masked image modelling: mask (B, h*w) of 0/1, patches with 1 replaced by <c>mask_token</c> before the
    /// position add (DINOv2's prepare_tokens_with_masks).
    /// </summary>
    public float[]? Mask { get; init; }

    /// <summary>Blocks (0-based) whose outputs are also returned, passed through the final norm.</summary>
    public IReadOnlyList<int> IntermediateLayers { get; init; } = [];

    /// <summary>Replace the last block's attention by proj(V) (zero-shot segmentation).</summary>
    public bool ValuePathLastBlock { get; init; }
}

/// <summary>Image-tower outputs after the final norm: cls1 (B, D), cls2 (B, D), patch tokens (B, h, w, D).</summary>
public sealed record VisionOutput(Tensor Cls1, Tensor Cls2, Tensor PatchTokens)
{
    /// <summary>The same three outputs for each requested intermediate layer, in request order.</summary>
    public IReadOnlyList<VisionOutput> Intermediates { get; init; } = [];
}

/// <summary>
/// The TIPS image tower: a pre-norm ViT with two CLS tokens (state-dict keys as the released vision npz).
/// Legend: B batch, H x W image, P patch (14), h x w = H/P x W/P patch grid, G position grid, N = 2 + h*w tokens, D width.
/// </summary>
public sealed class VisionTower : IDisposable
{
    // The final norm uses eps 1e-6 like the blocks.
    private const float Eps = 1e-6f;

    /// <summary>Loads the tower from a state dict (strict: every key used, every parameter present, shapes equal).</summary>
    public static VisionTower Load(IBackend backend, StateDict state, VisionConfig config) =>
        StateDictBinding.Load(backend, state, vb => new VisionTower(vb, config));

    /// <summary>A tower with parameters from an initialiser (e.g. <see cref="Init.Normal"/>).</summary>
    public static VisionTower Create(IBackend backend, VisionConfig config, VarBuilder.ParameterValues values) =>
        new(new VarBuilder(backend, values), config);

    public VisionTower(VarBuilder vb, VisionConfig config)
    {
        Config = config;
        int d = config.Width, p = config.PatchSize, g = config.PosGrid;
        ClsToken = vb.Get("cls_token", 1, 1, d);
        PosEmbed = vb.Get("pos_embed", 1, 1 + g * g, d);
        RegisterTokens = vb.Get("register_tokens", 1, 1, d);
        MaskToken = vb.Get("mask_token", 1, d);
        PatchEmbed = new Linear(vb.Get("patch_embed.proj.weight", d, 3, p, p), vb.Get("patch_embed.proj.bias", d));
        var blocks = vb.Push("blocks");
        Blocks = Enumerable.Range(0, config.Depth)
            .Select(i => new VisionBlock(blocks.Push(i), d, config.Heads, config.MlpDim, config.Ffn == FfnKind.SwiGlu)).ToArray();
        Norm = new LayerNorm(vb.Push("norm"), d, Eps);
        Parameters = vb.Parameters;
    }

    public VisionConfig Config { get; }

    /// <summary>Every parameter by state-dict key.</summary>
    public ParameterSet Parameters { get; }

    public Tensor ClsToken { get; }
    public Tensor PosEmbed { get; }
    public Tensor RegisterTokens { get; }
    public Tensor MaskToken { get; }
    public Linear PatchEmbed { get; }
    public IReadOnlyList<VisionBlock> Blocks { get; }
    public LayerNorm Norm { get; }

    /// <summary>
    /// Encodes images (B, H, W, 3), channels-last RGB in [0, 1] without mean/std normalisation, H and W multiples
    /// of the patch size. Outputs live on <paramref name="tape"/> until it is disposed.
    /// </summary>
    public VisionOutput Forward(Tape tape, Tensor images, VisionOptions? options = null)
    {
        options ??= new VisionOptions();
        int p = Config.PatchSize, d = Config.Width;
        if (images.Rank != 4 || images.Shape[3] != 3 || images.Shape[0] < 1)
            throw new TipsException($"images must be (B, H, W, 3), got {images}");
        int batch = images.Shape[0], gh = images.Shape[1] / p, gw = images.Shape[2] / p;
        foreach (int layer in options.IntermediateLayers)
            if (layer < 0 || layer >= Blocks.Count)
                throw new TipsException($"intermediate layer {layer} outside 0..{Blocks.Count - 1}");

        var patches = tape.Patchify(images, p);
        var embedded = PatchEmbed.Forward(tape, patches).Reshape(batch, gh * gw, d);
        tape.Release(patches);
        var x = embedded;
        if (options.Mask is { } mask)
        {
            if (mask.Length != batch * gh * gw)
                throw new TipsException($"mask has {mask.Length} entries, expected {batch} x {gh * gw} patches");
            x = tape.ReplaceMasked(embedded, mask, MaskToken);
            tape.Release(embedded);
        }

        // pos_embed (1, 1 + G*G, D): slot 0 for CLS1; the rest a (G, G, D) channels-last grid, resampled to (h, w)
        // with antialiased bilinear when the grid differs. G is read from the array, never assumed.
        var pos = PosEmbed.Reshape(PosEmbed.Shape[1], d);
        int g = (int)Math.Round(Math.Sqrt(pos.Shape[0] - 1));
        var posGrid = pos.Range(1, g * g).Reshape(1, g, g, d);
        var posPatches = gh == g && gw == g ? posGrid : tape.Resize(posGrid, gh, gw);
        var withPos = tape.AddBroadcast(x, posPatches);
        tape.Release(x, posPatches);
        var cls1 = tape.Add(ClsToken, pos.Range(0, 1));
        // CLS2 (register_tokens) goes in at index 1 after the position add: it gets no position.
        x = tape.ConcatTokens(batch, cls1, RegisterTokens, withPos);
        tape.Release(cls1, withPos);

        var intermediates = new List<(int Layer, VisionOutput Output)>();
        for (int i = 0; i < Blocks.Count; i++)
        {
            bool valuePath = options.ValuePathLastBlock && i == Blocks.Count - 1;
            var next = Blocks[i].Forward(tape, x, valuePath);
            tape.Release(x);
            x = next;
            if (options.IntermediateLayers.Contains(i)) intermediates.Add((i, Split(tape, Norm.Forward(tape, x), gh, gw)));
        }
        var normed = Norm.Forward(tape, x);
        tape.Release(x);
        return Split(tape, normed, gh, gw) with
        {
            Intermediates = options.IntermediateLayers.Select(l => intermediates.First(o => o.Layer == l).Output).ToArray(),
        };
    }

    /// <summary>Token 0 = CLS1, token 1 = CLS2, tokens 2.. = patches row-major over (h, w).</summary>
    private static VisionOutput Split(Tape tape, Tensor normed, int gh, int gw)
    {
        int batch = normed.Shape[0], d = normed.Shape[2];
        var output = new VisionOutput(
            tape.SliceTokens(normed, 0, 1).Reshape(batch, d),
            tape.SliceTokens(normed, 1, 1).Reshape(batch, d),
            tape.SliceTokens(normed, 2, gh * gw).Reshape(batch, gh, gw, d));
        tape.Release(normed);
        return output;
    }

    public void Dispose() => Parameters.Dispose();
}
