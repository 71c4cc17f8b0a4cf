using Tips.Kernels;

namespace Tips.Model.Tensors;

/// <summary>
/// A dense float32 array on one backend, with an optional gradient of the same shape.
/// A tensor is either an owner of its buffer (a parameter, an input, or an op output owned by a <see cref="Tape"/>)
/// or a view (<see cref="Reshape"/>, <see cref="Range"/>) that shares its base's data and gradient.
/// </summary>
public sealed class Tensor : IDisposable
{
    private readonly Tensor? _base;
    private readonly long _offset;
    private DeviceBuffer<float>? _data;
    private DeviceBuffer<float>? _grad;

    private Tensor(IBackend backend, DeviceBuffer<float> data, int[] shape, bool requiresGrad, Tensor? @base, long offset)
    {
        Backend = backend;
        _data = data;
        Shape = shape;
        Length = ShapeLength(shape);
        RequiresGrad = requiresGrad;
        _base = @base;
        _offset = offset;
    }

    public IBackend Backend { get; }

    public int[] Shape { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>Whether gradients flow into this tensor during <see cref="Tape.Backward"/>.</summary>
    public bool RequiresGrad { get; set; }

    public DeviceBuffer<float> Data => _data ?? throw new ObjectDisposedException(nameof(Tensor));

    /// <summary>The accumulated gradient, or null when none has flowed here yet.</summary>
    public DeviceBuffer<float>? Grad => _base is null ? _grad : _base.Grad?.Slice(_offset, Length);

    public int Rank => Shape.Length;

    /// <summary>The tensor that owns the storage: the base of a view, else this.</summary>
    internal Tensor Root => _base ?? this;

    /// <summary>A new tensor owning a fresh (uninitialised) buffer.</summary>
    public static Tensor Empty(IBackend backend, int[] shape, bool requiresGrad = false) =>
        new(backend, backend.Allocate(ShapeLength(shape)), (int[])shape.Clone(), requiresGrad, null, 0);

    /// <summary>A new tensor holding a copy of <paramref name="values"/>.</summary>
    public static Tensor FromHost(IBackend backend, ReadOnlySpan<float> values, int[] shape, bool requiresGrad = false)
    {
        if (values.Length != ShapeLength(shape))
            throw new TipsException($"{values.Length} values do not fill shape ({string.Join(", ", shape)})");
        var t = Empty(backend, shape, requiresGrad);
        backend.Upload(values, t.Data);
        return t;
    }

    public float[] ToHost()
    {
        var host = new float[Length];
        Backend.Download(Data, host);
        return host;
    }

    public float[]? GradToHost()
    {
        if (Grad is not { } g) return null;
        var host = new float[Length];
        Backend.Download(g, host);
        return host;
    }

    /// <summary>The gradient buffer, allocated and zeroed on first use (the base's when this is a view).</summary>
    public DeviceBuffer<float> EnsureGrad()
    {
        if (_base is not null) return _base.EnsureGrad().Slice(_offset, Length);
        if (_grad is null)
        {
            _grad = Backend.Allocate(Length);
            Backend.Fill(_grad, 0f);
        }
        return _grad;
    }

    /// <summary>
    /// The gradient buffer for a backward op that can either overwrite or accumulate: when no gradient has flowed
    /// here yet, a fresh buffer that is not zeroed and <paramref name="fresh"/> true (the op must write every
    /// element: a GEMM with beta 0, a copy), else the existing gradient to add to. Saves the zero-fill and the
    /// read of the zeros for the first contribution.
    /// </summary>
    public DeviceBuffer<float> GradToWrite(out bool fresh)
    {
        fresh = _base is null && _grad is null;
        if (!fresh) return EnsureGrad();
        return _grad = Backend.Allocate(Length);
    }

    /// <summary>Returns an owner's gradient buffer to the pool (<see cref="Grad"/> is null afterwards).</summary>
    internal void ReleaseGrad()
    {
        if (_base is not null) return;
        _grad?.Dispose();
        _grad = null;
    }

    /// <summary>Zeroes the gradient if one exists (between optimiser steps).</summary>
    public void ZeroGrad()
    {
        if (_base is null && _grad is not null) Backend.Fill(_grad, 0f);
    }

    /// <summary>The same elements under another shape; shares data and gradient.</summary>
    public Tensor Reshape(params int[] shape)
    {
        if (ShapeLength(shape) != Length)
            throw new TipsException($"cannot reshape ({string.Join(", ", Shape)}) to ({string.Join(", ", shape)})");
        return View(0, shape);
    }

    /// <summary>
    /// Rows [start, start + count) of the leading dimension, e.g. the value rows of a fused qkv weight;
    /// shares data and gradient.
    /// </summary>
    public Tensor Range(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Shape[0])
            throw new TipsException($"rows [{start}, {start + count}) outside ({string.Join(", ", Shape)})");
        var shape = (int[])Shape.Clone();
        shape[0] = count;
        return View(start * (Length / Shape[0]), shape);
    }

    private Tensor View(long offset, int[] shape)
    {
        var root = _base ?? this;
        long rootOffset = _offset + offset;
        return new Tensor(Backend, root.Data.Slice(rootOffset, ShapeLength(shape)), (int[])shape.Clone(), RequiresGrad, root, rootOffset);
    }

    public static long ShapeLength(int[] shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new TipsException($"negative dimension in shape ({string.Join(", ", shape)})");
            n *= d;
        }
        return n;
    }

    public override string ToString() => $"Tensor({string.Join(", ", Shape)})";

    /// <summary>Returns an owner's data and gradient buffers to the backend pool; views own nothing.</summary>
    public void Dispose()
    {
        if (_base is null)
        {
            _data?.Dispose();
            _grad?.Dispose();
        }
        _data = null;
        _grad = null;
    }
}
