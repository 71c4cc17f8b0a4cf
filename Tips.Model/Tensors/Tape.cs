using Tips.Kernels;

namespace Tips.Model.Tensors;

/// <summary>
/// The autograd tape of one step (micrograd style). Ops (the extension methods in <see cref="Ops"/>) allocate
/// their outputs from the tape and, while <see cref="IsRecording"/>, push a closure that calls the backend's
/// backward ops; <see cref="Backward"/> replays them in reverse, accumulating into gradients.
/// The tape owns every buffer it allocated; <see cref="Dispose"/> returns them all to the backend pool, so
/// memory does not grow across steps. With recording off (inference) nothing is recorded and
/// <see cref="Release"/> frees intermediates as soon as the forward is done with them.
/// </summary>
public sealed class Tape : IDisposable
{
    private readonly List<(Tensor Output, Action Backward)> _backward = [];
    private readonly HashSet<IDisposable> _owned = new(ReferenceEqualityComparer.Instance);
    private bool _backwardDone;

    public Tape(IBackend backend, bool recording)
    {
        Backend = backend;
        IsRecording = recording;
    }

    public IBackend Backend { get; }

    public bool IsRecording { get; }

    /// <summary>Whether an op with these inputs must record its backward.</summary>
    internal bool Tracks(Tensor a) => IsRecording && a.RequiresGrad;

    internal bool Tracks(Tensor a, Tensor? b) => IsRecording && (a.RequiresGrad || b?.RequiresGrad == true);

    internal bool Tracks(Tensor a, Tensor? b, Tensor? c) => Tracks(a, b) || (IsRecording && c?.RequiresGrad == true);

    /// <summary>A fresh tape-owned output tensor (contents unspecified).</summary>
    internal Tensor NewTensor(int[] shape, bool requiresGrad)
    {
        var t = Tensor.Empty(Backend, shape, requiresGrad && IsRecording);
        _owned.Add(t);
        return t;
    }

    /// <summary>A tape-owned scratch buffer (saved statistics, masks).</summary>
    internal DeviceBuffer<float> NewBuffer(long length)
    {
        var b = Backend.Allocate(length);
        _owned.Add(b);
        return b;
    }

    /// <summary>The gradient of <paramref name="t"/>, or a throw-away buffer for a backward op that always writes one.</summary>
    internal DeviceBuffer<float> GradOrScratch(Tensor t) => t.RequiresGrad ? t.EnsureGrad() : NewBuffer(t.Length);

    /// <summary>A tape-owned constant tensor (no gradient).</summary>
    public Tensor Constant(ReadOnlySpan<float> values, params int[] shape)
    {
        var t = NewTensor(shape, requiresGrad: false);
        if (values.Length != t.Length)
            throw new TipsException($"{values.Length} values do not fill shape ({string.Join(", ", shape)})");
        Backend.Upload(values, t.Data);
        return t;
    }

    /// <summary>A tape-owned int buffer (token ids).</summary>
    public DeviceBuffer<int> Ints(ReadOnlySpan<int> values)
    {
        var b = Backend.AllocateInt(values.Length);
        Backend.Upload(values, b);
        _owned.Add(b);
        return b;
    }

    /// <summary>Records the backward of the op that produced <paramref name="output"/> (a tape-owned tensor).</summary>
    internal void Record(Tensor output, Action backward) => _backward.Add((output, backward));

    /// <summary>
    /// Frees tape-owned intermediates the forward no longer needs. Only in inference: while recording the tape
    /// keeps them for the backward until <see cref="Dispose"/>. A view releases its base (so no other view of
    /// that base may be used afterwards); tensors the tape does not own are left alone.
    /// </summary>
    public void Release(params Tensor?[] tensors)
    {
        if (IsRecording) return;
        foreach (var t in tensors)
            if (t is not null && _owned.Remove(t.Root)) t.Root.Dispose();
    }

    /// <summary>
    /// Back-propagates from a scalar: d loss / d loss = 1, then every recorded op in reverse. Once the op that
    /// produced a tape-owned tensor has run its backward, nothing reads that tensor's gradient any more (every
    /// consumer was recorded later, so ran earlier): the gradient goes back to the pool there, and the live
    /// gradients of intermediates stay a few layers' worth instead of the whole network's. Gradients of
    /// parameters and of tensors the tape does not own (inputs) stay.
    /// </summary>
    public void Backward(Tensor loss)
    {
        if (!IsRecording) throw new TipsException("backward on a tape that is not recording");
        if (loss.Length != 1) throw new TipsException($"backward needs a scalar loss, got {loss}");
        if (!loss.RequiresGrad) throw new TipsException("the loss does not depend on anything that requires a gradient");
        if (_backwardDone) throw new TipsException("backward already ran on this tape");
        _backwardDone = true;
        Backend.Fill(loss.EnsureGrad(), 1f);
        for (int i = _backward.Count - 1; i >= 0; i--)
        {
            var (output, backward) = _backward[i];
            backward();
            if (_owned.Contains(output)) output.ReleaseGrad();
        }
    }

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
        _owned.Clear();
        _backward.Clear();
    }
}
