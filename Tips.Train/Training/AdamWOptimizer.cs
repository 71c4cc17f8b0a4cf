using Tips.Kernels;
using Tips.Model.Tensors;

namespace Tips.Train.Training;

/// <summary>
/// AdamW over named parameters with the recipe's rules: no weight decay on biases, norms, layer scales (every
/// parameter of rank &lt;= 1), tokens, positions and temperatures; global gradient-norm clipping; the prototype
/// layers (<c>last_layer.*</c>) can be held fixed. A parameter that received no gradient is left alone.
/// </summary>
public sealed class AdamWOptimizer : IDisposable
{
    private static readonly string[] NoDecayNames = ["cls_token", "register_tokens", "mask_token", "pos_embed", "log_inv_tau"];
    private readonly IBackend _backend;
    private readonly List<Slot> _slots = [];

    public AdamWOptimizer(IBackend backend, IEnumerable<KeyValuePair<string, Tensor>> parameters)
    {
        _backend = backend;
        foreach (var (name, p) in parameters)
        {
            var m = Tensor.Empty(backend, p.Shape);
            var v = Tensor.Empty(backend, p.Shape);
            backend.Fill(m.Data, 0f);
            backend.Fill(v.Data, 0f);
            _slots.Add(new Slot(name, p, m, v, Decays(name, p), name.Contains("last_layer.", StringComparison.Ordinal)));
        }
    }

    private sealed record Slot(string Name, Tensor Param, Tensor M, Tensor V, bool Decay, bool LastLayer);

    /// <summary>Completed updates; AdamW's bias correction uses Step + 1.</summary>
    public int Step { get; set; }

    public IEnumerable<string> Names => _slots.Select(s => s.Name);

    /// <summary>Whether weight decay applies to a parameter (by name and rank).</summary>
    public static bool Decays(string name, Tensor p) =>
        p.Rank >= 2 && !NoDecayNames.Any(n => name.EndsWith(n, StringComparison.Ordinal) || name.Contains(n + ".", StringComparison.Ordinal));

    /// <summary>The global L2 norm of every gradient (NaN or infinity when one is not finite).</summary>
    public double GradNorm()
    {
        var withGrad = _slots.Where(s => s.Param.Grad is not null).ToArray();
        if (withGrad.Length == 0) return 0;
        using var sums = _backend.Allocate(withGrad.Length);
        for (int i = 0; i < withGrad.Length; i++) _backend.SumSquares(withGrad[i].Param.Grad!, sums.Slice(i, 1));
        var host = new float[withGrad.Length];
        _backend.Download(sums, host);
        return Math.Sqrt(host.Sum(v => (double)v));
    }

    /// <summary>
    /// Scales the gradients so their global norm is at most <paramref name="clip"/> (0: off), then one AdamW update
    /// of every parameter that has a gradient, except the prototype layers while <paramref name="freezeLastLayer"/>.
    /// </summary>
    public void Update(float lr, float weightDecay, float beta1, float beta2, float eps, float clip, double gradNorm, bool freezeLastLayer)
    {
        float coef = clip > 0 && gradNorm > clip ? (float)(clip / (gradNorm + 1e-6)) : 1f;
        Step++;
        foreach (var s in _slots)
        {
            if (s.Param.Grad is not { } g || (freezeLastLayer && s.LastLayer)) continue;
            if (coef != 1f) _backend.Scale(g, coef);
            _backend.AdamW(s.Param.Data, g, s.M.Data, s.V.Data, lr, beta1, beta2, eps, s.Decay ? weightDecay : 0f, Step);
        }
    }

    public void ZeroGrad()
    {
        foreach (var s in _slots) s.Param.ZeroGrad();
    }

    /// <summary>The moments as named tensors (<c>m.</c>, <c>v.</c> + parameter name), for checkpoints.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> Moments() =>
        _slots.SelectMany(s => new[] { new KeyValuePair<string, Tensor>("m." + s.Name, s.M), new("v." + s.Name, s.V) });

    public void Dispose()
    {
        foreach (var s in _slots)
        {
            s.M.Dispose();
            s.V.Dispose();
        }
    }
}
