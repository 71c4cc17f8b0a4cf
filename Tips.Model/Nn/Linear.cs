using Tips.Kernels;
using Tips.Model.Tensors;

namespace Tips.Model.Nn;

/// <summary>A PyTorch Linear: weight (out, in), bias (out).</summary>
public sealed class Linear(Tensor weight, Tensor? bias)
{
    public Linear(VarBuilder vb, int inFeatures, int outFeatures, string weightName = "weight", string? biasName = "bias")
        : this(vb.Get(weightName, outFeatures, inFeatures), biasName is null ? null : vb.Get(biasName, outFeatures))
    {
    }

    public Tensor Weight { get; } = weight;

    public Tensor? Bias { get; } = bias;

    public Tensor Forward(Tape tape, Tensor x, Activation activation = Activation.None) =>
        tape.Linear(x, Weight, Bias, activation);
}
