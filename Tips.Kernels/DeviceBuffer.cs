namespace Tips.Kernels;

/// <summary>
/// A span of device memory of <typeparamref name="T"/> owned by one backend. Buffers from
/// <see cref="IBackend.Allocate"/> are pooled: disposing one returns it to its backend's pool.
/// A <see cref="Slice"/> aliases its parent and owns nothing.
/// </summary>
public abstract class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    protected DeviceBuffer(IBackend backend, long length)
    {
        Backend = backend;
        Length = length;
    }

    public IBackend Backend { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>A view of <paramref name="length"/> elements starting at <paramref name="offset"/>.</summary>
    public DeviceBuffer<T> Slice(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"slice [{offset}, {offset + length}) outside buffer of {Length}");
        return SliceCore(offset, length);
    }

    protected abstract DeviceBuffer<T> SliceCore(long offset, long length);

    public abstract void Dispose();
}
