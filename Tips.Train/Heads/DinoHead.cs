using Tips.Kernels;
using Tips.Model.Nn;
using Tips.Model.Tensors;

namespace Tips.Train.Heads;

/// <summary>
/// DINOv2's DINOHead: mlp (Linear, GELU, Linear, GELU, Linear) to a bottleneck, L2 normalisation, then a
/// weight-normalised prototype layer without bias, weight = g * v / |v| per prototype, g fixed (not trained).
/// Keys: <c>mlp.{0,2,4}.{weight,bias}</c>, <c>last_layer.weight_g</c> (K, 1), <c>last_layer.weight_v</c> (K, bottleneck).
/// </summary>
public sealed class DinoHead : IDisposable
{
    // F.normalize's eps (DINOv2 uses 1e-12 in float32).
    private const float Eps = 1e-12f;

    public DinoHead(VarBuilder vb, int inDim, int hiddenDim, int bottleneckDim, int prototypes)
    {
        var mlp = vb.Push("mlp");
        Layers = [
            new Linear(mlp.Push(0), inDim, hiddenDim),
            new Linear(mlp.Push(2), hiddenDim, hiddenDim),
            new Linear(mlp.Push(4), hiddenDim, bottleneckDim),
        ];
        var last = vb.Push("last_layer");
        WeightG = last.Get("weight_g", prototypes, 1);
        WeightG.RequiresGrad = false;
        WeightV = last.Get("weight_v", prototypes, bottleneckDim);
        Parameters = vb.Parameters;
    }

    /// <summary>
    /// A freshly initialised head: linear weights N(0, 0.02) (DINOv2 uses a truncated normal), biases 0,
    /// prototypes v N(0, 1), g = 1.
    /// </summary>
    public static DinoHead Create(IBackend backend, int inDim, int hiddenDim, int bottleneckDim, int prototypes, int seed)
    {
        var normal = Init.Normal(seed, 0.02f);
        var unit = Init.Normal(seed, 1f);
        return new DinoHead(new VarBuilder(backend, (key, shape) =>
            key.EndsWith(".bias", StringComparison.Ordinal) ? new float[Tensor.ShapeLength(shape)]
            : key.EndsWith("weight_g", StringComparison.Ordinal) ? Enumerable.Repeat(1f, (int)Tensor.ShapeLength(shape)).ToArray()
            : key.EndsWith("weight_v", StringComparison.Ordinal) ? unit(key, shape)
            : normal(key, shape)), inDim, hiddenDim, bottleneckDim, prototypes);
    }

    public IReadOnlyList<Linear> Layers { get; }

    public Tensor WeightG { get; }

    public Tensor WeightV { get; }

    public ParameterSet Parameters { get; }

    /// <summary>x (..., in) to prototype logits (..., K).</summary>
    public Tensor Forward(Tape tape, Tensor x)
    {
        var h = Layers[0].Forward(tape, x, Activation.Gelu);
        h = Layers[1].Forward(tape, h, Activation.Gelu);
        h = tape.L2Normalize(Layers[2].Forward(tape, h), Eps);
        var weight = tape.RowScale(tape.L2Normalize(WeightV, Eps), WeightG);
        return tape.Linear(h, weight, null);
    }

    public void Dispose() => Parameters.Dispose();
}
