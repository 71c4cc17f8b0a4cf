using Tips.Kernels;
using Tips.Model.Nn;
using Tips.Model.Tensors;

namespace Tips.Model.Towers;

/// <summary>
/// One pre-norm block of the TIPS text tower (CLIP layout, keys <c>transformer.resblocks.{i}.*</c>):
/// x += MHA(ln_1(x)) with padded keys excluded (bidirectional, no causal mask);
/// x += mask * c_proj(mask * ReLU(c_fc(ln_2(x)))). Shapes: x (B, T, D), mask (B*T) of 0/1.
/// </summary>
public sealed class TextBlock
{
    // Text LayerNorms use eps 1e-5 (the vision tower uses 1e-6).
    internal const float Eps = 1e-5f;
    private readonly int _heads;

    public TextBlock(VarBuilder vb, int width, int heads, int mlpDim)
    {
        _heads = heads;
        var attn = vb.Push("attn");
        InProj = new Linear(attn, width, 3 * width, "in_proj_weight", "in_proj_bias");
        OutProj = new Linear(attn.Push("out_proj"), width, width);
        Ln1 = new LayerNorm(vb.Push("ln_1"), width, Eps);
        CFc = new Linear(vb.Push("mlp").Push("c_fc"), width, mlpDim);
        CProj = new Linear(vb.Push("mlp").Push("c_proj"), mlpDim, width);
        Ln2 = new LayerNorm(vb.Push("ln_2"), width, Eps);
    }

    public Linear InProj { get; }
    public Linear OutProj { get; }
    public LayerNorm Ln1 { get; }
    public Linear CFc { get; }
    public Linear CProj { get; }
    public LayerNorm Ln2 { get; }

    /// <param name="tape">Records the ops for the backward pass.</param>
    /// <param name="x">The residual stream (B*T, width).</param>
    /// <param name="mask">1 at real tokens, 0 at padding (B*T): the attention key mask and the MLP row mask.</param>
    public Tensor Forward(Tape tape, Tensor x, Tensor mask)
    {
        var h = Ln1.Forward(tape, x);
        var qkv = InProj.Forward(tape, h);
        tape.Release(h);
        var mixed = tape.Attention(qkv, _heads, mask.Data);
        tape.Release(qkv);
        var attn = OutProj.Forward(tape, mixed);
        tape.Release(mixed);
        var x1 = tape.Add(x, attn);
        tape.Release(attn);

        var h2 = Ln2.Forward(tape, x1);
        var hidden = CFc.Forward(tape, h2, Activation.Relu);
        tape.Release(h2);
        var maskedHidden = tape.RowScale(hidden, mask);
        tape.Release(hidden);
        var mlp = CProj.Forward(tape, maskedHidden);
        tape.Release(maskedHidden);
        // The outer mask also zeroes c_proj's bias at padded positions.
        var maskedMlp = tape.RowScale(mlp, mask);
        tape.Release(mlp);
        var x2 = tape.Add(x1, maskedMlp);
        tape.Release(x1, maskedMlp);
        return x2;
    }
}
