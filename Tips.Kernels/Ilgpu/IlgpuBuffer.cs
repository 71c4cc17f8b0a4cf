using ILGPU;
using ILGPU.Runtime;

namespace Tips.Kernels;

/// <summary>A view of device memory. Owners return their memory to the backend's pool on dispose; slices do not.</summary>
internal sealed class IlgpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private MemoryBuffer1D<T, Stride1D.Dense>? _owned;

    internal IlgpuBuffer(IlgpuBackend backend, MemoryBuffer1D<T, Stride1D.Dense>? owned, ArrayView<T> view)
        : base(backend, view.Length)
    {
        _owned = owned;
        View = view;
    }

    internal ArrayView<T> View { get; }

    protected override DeviceBuffer<T> SliceCore(long offset, long length) =>
        new IlgpuBuffer<T>((IlgpuBackend)Backend, null, View.SubView(offset, length));

    public override void Dispose()
    {
        if (_owned is null) return;
        ((IlgpuBackend)Backend).Return(_owned);
        _owned = null;
    }
}
