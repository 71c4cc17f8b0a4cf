using Tips.Model.Tensors;

namespace Tips.Model.Nn;

/// <summary>A PyTorch LayerNorm: weight and bias (D).</summary>
public sealed class LayerNorm(VarBuilder vb, int width, float eps)
{
    public Tensor Weight { get; } = vb.Get("weight", width);

    public Tensor Bias { get; } = vb.Get("bias", width);

    public float Eps { get; } = eps;

    public Tensor Forward(Tape tape, Tensor x) => tape.LayerNorm(x, Weight, Bias, Eps);
}
