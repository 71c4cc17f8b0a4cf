using Tips.Kernels;
using Tips.Model.Tensors;

namespace Tips.Model.Nn;

/// <summary>
/// Creates parameters under a key prefix (candle's VarBuilder): <c>vb.Push("blocks").Push(3).Get("norm1.weight")</c>
/// declares <c>blocks.3.norm1.weight</c>, takes its values from the builder's source and records it in one
/// <see cref="ParameterSet"/>. Loading is therefore a lookup by key, and the declared key set can be compared
/// with a checkpoint's both ways.
/// </summary>
public sealed class VarBuilder
{
    private readonly ParameterValues _values;
    private readonly string _prefix;

    /// <summary>Values for a declared parameter: its full key and shape; returns exactly Length(shape) values.</summary>
    public delegate float[] ParameterValues(string key, int[] shape);

    public VarBuilder(IBackend backend, ParameterValues values)
        : this(backend, values, new ParameterSet(), "")
    {
    }

    private VarBuilder(IBackend backend, ParameterValues values, ParameterSet set, string prefix)
    {
        Backend = backend;
        _values = values;
        Parameters = set;
        _prefix = prefix;
    }

    public IBackend Backend { get; }

    /// <summary>Everything declared through this builder and the builders pushed from it.</summary>
    public ParameterSet Parameters { get; }

    public VarBuilder Push(string name) => new(Backend, _values, Parameters, _prefix + name + ".");

    public VarBuilder Push(int index) => Push(index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Declares the parameter <c>prefix + name</c> of the given shape (gradients on).</summary>
    public Tensor Get(string name, params int[] shape)
    {
        string key = _prefix + name;
        var values = _values(key, shape);
        var t = Tensor.FromHost(Backend, values, shape, requiresGrad: true);
        Parameters.Add(key, t);
        return t;
    }
}
