using Tips.Kernels;
using Tips.Model.Checkpoints;
using Tips.Model.Tensors;

namespace Tips.Model.Nn;

/// <summary>Moves parameters between a <see cref="StateDict"/> and a model built through a <see cref="VarBuilder"/>.</summary>
public static class StateDictBinding
{
    /// <summary>
    /// Builds a model whose parameters are looked up in <paramref name="state"/> by key. Strict: one
    /// <see cref="TipsException"/> lists missing keys, unexpected keys, and shape mismatches (key and both shapes).
    /// </summary>
    public static T Load<T>(IBackend backend, StateDict state, Func<VarBuilder, T> build) where T : IDisposable
    {
        var vb = new VarBuilder(backend, (key, shape) =>
            state.TryGet(key, out var a) && a.Shape.AsSpan().SequenceEqual(shape)
                ? state.Floats(key, shape)
                : new float[Tensor.ShapeLength(shape)]); // reported below with every other problem
        var model = build(vb);
        try
        {
            state.CheckShapes(vb.Parameters.Items.ToDictionary(p => p.Key, p => p.Value.Shape, StringComparer.Ordinal));
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>Copies every parameter to the host as float32 arrays under its key, in declaration order.</summary>
    public static StateDict ToStateDict(this ParameterSet parameters, string source = "model")
    {
        var state = new StateDict(source);
        foreach (var (key, t) in parameters.Items) state.Add(key, NdArray.FromFloats(t.ToHost(), t.Shape));
        return state;
    }

    /// <summary>Overwrites every parameter from <paramref name="state"/> (same keys and shapes, strict).</summary>
    public static void CopyFrom(this ParameterSet parameters, StateDict state)
    {
        state.CheckShapes(parameters.Items.ToDictionary(p => p.Key, p => p.Value.Shape, StringComparer.Ordinal));
        foreach (var (key, t) in parameters.Items) t.Backend.Upload<float>(state.Floats(key, t.Shape), t.Data);
    }
}
