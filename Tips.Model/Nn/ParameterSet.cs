using Tips.Model.Tensors;

namespace Tips.Model.Nn;

/// <summary>
/// The parameters of a model in creation order, each named by its PyTorch state-dict key
/// (<c>blocks.3.attn.qkv.weight</c>). The optimiser, the state-dict writer and gradient checks iterate it.
/// </summary>
public sealed class ParameterSet : IDisposable
{
    private readonly List<KeyValuePair<string, Tensor>> _items = [];
    private readonly Dictionary<string, Tensor> _byName = new(StringComparer.Ordinal);

    public IReadOnlyList<KeyValuePair<string, Tensor>> Items => _items;

    public IEnumerable<string> Names => _items.Select(p => p.Key);

    public int Count => _items.Count;

    public Tensor this[string name] =>
        _byName.TryGetValue(name, out var t) ? t : throw new TipsException($"no parameter '{name}'");

    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Total number of scalars.</summary>
    public long ElementCount => _items.Sum(p => p.Value.Length);

    internal void Add(string name, Tensor value)
    {
        if (!_byName.TryAdd(name, value)) throw new InvalidOperationException($"parameter '{name}' declared twice");
        _items.Add(new(name, value));
    }

    /// <summary>Zeroes every gradient (before a new accumulation).</summary>
    public void ZeroGrad()
    {
        foreach (var p in _items) p.Value.ZeroGrad();
    }

    public void Dispose()
    {
        foreach (var p in _items) p.Value.Dispose();
    }
}
