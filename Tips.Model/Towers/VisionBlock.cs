using Tips.Kernels;
using Tips.Model.Nn;
using Tips.Model.Tensors;

namespace Tips.Model.Towers;

/// <summary>
/// One pre-norm ViT block of the TIPS image tower (DINOv2 layout, keys <c>blocks.{i}.*</c>):
/// x += ls1 * Attn(norm1(x)); x += ls2 * FFN(norm2(x)). Shapes: x (B, N, D), qkv (B, N, 3D).
/// </summary>
public sealed class VisionBlock
{
    // Vision LayerNorms use eps 1e-6 (the text tower uses 1e-5).
    private const float Eps = 1e-6f;
    private readonly int _heads;
    private readonly bool _swiGlu;

    public VisionBlock(VarBuilder vb, int width, int heads, int mlpDim, bool swiGlu)
    {
        _heads = heads;
        _swiGlu = swiGlu;
        Norm1 = new LayerNorm(vb.Push("norm1"), width, Eps);
        Qkv = new Linear(vb.Push("attn").Push("qkv"), width, 3 * width);
        Proj = new Linear(vb.Push("attn").Push("proj"), width, width);
        Ls1 = vb.Push("ls1").Get("gamma", width);
        Norm2 = new LayerNorm(vb.Push("norm2"), width, Eps);
        var mlp = vb.Push("mlp");
        // g/14: w12 (2h, D) -> silu(first half) * second half -> w3 (D, h); others: fc1 -> exact GELU -> fc2.
        Fc1 = swiGlu ? new Linear(mlp.Push("w12"), width, 2 * mlpDim) : new Linear(mlp.Push("fc1"), width, mlpDim);
        Fc2 = swiGlu ? new Linear(mlp.Push("w3"), mlpDim, width) : new Linear(mlp.Push("fc2"), mlpDim, width);
        Ls2 = vb.Push("ls2").Get("gamma", width);
    }

    public LayerNorm Norm1 { get; }
    public Linear Qkv { get; }
    public Linear Proj { get; }
    public Tensor Ls1 { get; }
    public LayerNorm Norm2 { get; }
    public Linear Fc1 { get; }
    public Linear Fc2 { get; }
    public Tensor Ls2 { get; }

    /// <param name="tape">Records the ops for the backward pass.</param>
    /// <param name="x">The residual stream (B*N, width).</param>
    /// <param name="valuePath">
    /// Zero-shot segmentation (TIPSv2): attention replaced by proj(V), the value path alone (no token mixing).
    /// </param>
    public Tensor Forward(Tape tape, Tensor x, bool valuePath = false)
    {
        int width = x.Shape[2];
        var h = Norm1.Forward(tape, x);
        Tensor mixed;
        if (valuePath)
        {
            // V = rows [2D, 3D) of the fused qkv weight and bias.
            mixed = tape.Linear(h, Qkv.Weight.Range(2 * width, width), Qkv.Bias!.Range(2 * width, width));
            tape.Release(h);
        }
        else
        {
            var qkv = Qkv.Forward(tape, h);
            tape.Release(h);
            mixed = tape.Attention(qkv, _heads, keyMask: null);
            tape.Release(qkv);
        }
        var attn = Proj.Forward(tape, mixed);
        tape.Release(mixed);
        var x1 = tape.AddScaled(x, attn, Ls1);
        tape.Release(attn);

        var h2 = Norm2.Forward(tape, x1);
        Tensor hidden;
        if (_swiGlu)
        {
            var u = Fc1.Forward(tape, h2);
            hidden = tape.SwiGlu(u);
            tape.Release(u);
        }
        else
        {
            hidden = Fc1.Forward(tape, h2, Activation.Gelu);
        }
        tape.Release(h2);
        var ffn = Fc2.Forward(tape, hidden);
        tape.Release(hidden);
        var x2 = tape.AddScaled(x1, ffn, Ls2);
        tape.Release(x1, ffn);
        return x2;
    }
}
