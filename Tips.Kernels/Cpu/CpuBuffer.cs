namespace Tips.Kernels;

/// <summary>A managed array segment. Owners return their array to the pool on dispose; slices do not.</summary>
internal sealed class CpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private readonly CpuBackend? _owner;

    internal CpuBuffer(CpuBackend backend, T[] array, int offset, int length, bool owns)
        : base(backend, length)
    {
        Array = array;
        Offset = offset;
        _owner = owns ? backend : null;
    }

    internal T[] Array { get; private set; }

    internal int Offset { get; }

    internal Span<T> Span => Array.AsSpan(Offset, (int)Length);

    protected override DeviceBuffer<T> SliceCore(long offset, long length) =>
        new CpuBuffer<T>((CpuBackend)Backend, Array, Offset + (int)offset, (int)length, owns: false);

    public override void Dispose()
    {
        if (_owner is null || Array.Length == 0) return;
        _owner.Return(Array);
        Array = [];
    }
}
