namespace Tips.Kernels;

/// <summary>
/// A managed array segment. Owners return their array to the pool on dispose; slices do not.
/// Every op that may write a buffer bumps its owner's <see cref="Version"/> (<see cref="CpuBackend.Own{T}"/>), so
/// data derived from an owner's contents, such as a weight's packed GEMM panels (<see cref="Panels"/>), is valid
/// only while the version it was made from is current.
/// </summary>
internal sealed class CpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private readonly CpuBackend? _owner;
    private long _version;

    internal CpuBuffer(CpuBackend backend, T[] array, int offset, int length, bool owns, CpuBuffer<T>? root = null)
        : base(backend, length)
    {
        Array = array;
        Offset = offset;
        _owner = owns ? backend : null;
        Root = root ?? this;
    }

    internal T[] Array { get; private set; }

    internal int Offset { get; }

    /// <summary>The owner whose array this slice views (the buffer itself for an owner).</summary>
    internal CpuBuffer<T> Root { get; }

    internal Span<T> Span => Array.AsSpan(Offset, (int)Length);

    /// <summary>Write count of the owner's array: slices share their owner's.</summary>
    internal long Version => Interlocked.Read(ref Root._version);

    /// <summary>Marks the owner's contents as changed (before the write).</summary>
    internal void Written() => Interlocked.Increment(ref Root._version);

    /// <summary>The owner's cached packed GEMM panels (<see cref="WeightPanels"/>); guarded by locking <see cref="Root"/>.</summary>
    internal WeightPanels? Panels { get; set; }

    protected override DeviceBuffer<T> SliceCore(long offset, long length) =>
        new CpuBuffer<T>((CpuBackend)Backend, Array, Offset + (int)offset, (int)length, owns: false, Root);

    public override void Dispose()
    {
        if (_owner is null || Array.Length == 0) return;
        Written();
        _owner.DropPanels(this);
        _owner.Return(Array);
        Array = [];
    }
}
