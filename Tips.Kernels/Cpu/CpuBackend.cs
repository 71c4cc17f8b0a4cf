namespace Tips.Kernels;

/// <summary>
/// Managed SIMD backend (System.Runtime.Intrinsics, multi-threaded). Ops are synchronous.
/// Op implementations live in partial files named after their op family.
/// </summary>
public sealed partial class CpuBackend : IBackend
{
    private readonly Dictionary<(Type, int), Stack<Array>> _pool = new();
    private readonly object _poolLock = new();
    private long _bytes;

    public string Name => "cpu";

    // Avx512F rather than Vector512.IsHardwareAccelerated: .NET reports false on CPUs that downclock under 512-bit
    // code, but the GEMM and attention kernels use AVX-512 explicitly where it exists.
    public string Device => $"{Environment.ProcessorCount} cores, {(System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "AVX-512" : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "AVX2" : "scalar")}";

    public long BytesAllocated => Interlocked.Read(ref _bytes);

    public DeviceBuffer<float> Allocate(long length) => Rent<float>(length);

    public DeviceBuffer<int> AllocateInt(long length) => Rent<int>(length);

    private CpuBuffer<T> Rent<T>(long length) where T : unmanaged
    {
        if (length < 0 || length > System.Array.MaxLength)
            throw new BackendException($"cannot allocate {length} elements on cpu");
        int n = (int)length;
        lock (_poolLock)
        {
            if (_pool.TryGetValue((typeof(T), n), out var stack) && stack.Count > 0)
                return new CpuBuffer<T>(this, (T[])stack.Pop(), 0, n, owns: true);
        }
        Interlocked.Add(ref _bytes, (long)n * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        return new CpuBuffer<T>(this, GC.AllocateUninitializedArray<T>(n), 0, n, owns: true);
    }

    internal void Return<T>(T[] array) where T : unmanaged
    {
        lock (_poolLock)
        {
            if (!_pool.TryGetValue((typeof(T), array.Length), out var stack))
                _pool[(typeof(T), array.Length)] = stack = new Stack<Array>();
            stack.Push(array);
        }
    }

    public void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer<T> destination) where T : unmanaged
    {
        var d = Own(destination);
        if (source.Length != d.Length)
            throw new BackendException($"upload of {source.Length} elements into a buffer of {d.Length}");
        source.CopyTo(d.Span);
    }

    public void Download<T>(DeviceBuffer<T> source, Span<T> destination) where T : unmanaged
    {
        var s = OwnRead(source);
        if (destination.Length != s.Length)
            throw new BackendException($"download of a buffer of {s.Length} elements into {destination.Length}");
        s.Span.CopyTo(destination);
    }

    public void Synchronize() { }

    /// <summary>
    /// The cpu buffer behind <paramref name="buffer"/>, counted as written (its version bumped): every op takes its
    /// buffers here, so no op can change a buffer without invalidating what was derived from it. Only operands an
    /// op provably reads alone use <see cref="OwnRead{T}"/>.
    /// </summary>
    internal CpuBuffer<T> Own<T>(DeviceBuffer<T> buffer) where T : unmanaged
    {
        var b = OwnRead(buffer);
        b.Written();
        return b;
    }

    /// <summary>The cpu buffer behind <paramref name="buffer"/> for reading only (its version unchanged).</summary>
    internal CpuBuffer<T> OwnRead<T>(DeviceBuffer<T> buffer) where T : unmanaged =>
        buffer as CpuBuffer<T> is { } b && ReferenceEquals(b.Backend, this)
            ? b
            : throw new BackendException($"buffer belongs to backend '{buffer.Backend.Name}', not this cpu backend");

    public void Dispose()
    {
        lock (_poolLock) _pool.Clear();
    }
}
