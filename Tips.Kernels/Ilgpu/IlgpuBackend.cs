using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

// ILGPU generates its kernel launchers in a dynamic assembly of this name; kernel parameter structs are internal.
[assembly: InternalsVisibleTo("ILGPURuntime")]

namespace Tips.Kernels;

/// <summary>
/// GPU backend on ILGPU: CUDA, OpenCL, or ILGPU's CPU accelerator (an emulator used to test the kernels).
/// Ops are queued on the accelerator's default stream. Kernels are compiled once per backend on first use.
/// Op families live in partial files (IlgpuBackend.Gemm.cs, ...) beside their kernels.
/// </summary>
public sealed partial class IlgpuBackend : IBackend
{
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly Dictionary<(Type, long), Stack<MemoryBuffer>> _pool = new();
    private readonly object _poolLock = new();
    private readonly IlgpuBuffer<float> _dummy;
    private long _bytes;

    private IlgpuBackend(string name, Context context, Accelerator accelerator, LaunchShape shape)
    {
        Name = name;
        _context = context;
        _accelerator = accelerator;
        Shape = shape;
        _dummy = (IlgpuBuffer<float>)Allocate(1);
    }

    public string Name { get; }

    public string Device => $"{_accelerator.Name} ({_accelerator.AcceleratorType}, warp {_accelerator.WarpSize}, " +
                            $"{_accelerator.MemorySize / (1 << 20)} MiB)";

    /// <summary>Group and tile sizes the ops launch with (tiny ones on the emulator).</summary>
    internal LaunchShape Shape { get; }

    internal int WarpSize => _accelerator.WarpSize;

    public long BytesAllocated => Interlocked.Read(ref _bytes);

    // ---- creation -----------------------------------------------------------------------------

    /// <summary>The first CUDA device.</summary>
    public static IlgpuBackend CreateCuda()
    {
        var context = Build("cuda", b => b.Cuda());
        var devices = context.GetCudaDevices();
        if (devices.Count == 0)
        {
            context.Dispose();
            throw new BackendException("device 'cuda': no CUDA device found (is the NVIDIA driver installed?)");
        }
        var device = devices[0];
        return Wrap("cuda", context, () => device.CreateAccelerator(context), LaunchShape.Gpu);
    }

    /// <summary>The first OpenCL device (needs OpenCL 2.0+ with the generic address space: AMD or Intel GPUs).</summary>
    public static IlgpuBackend CreateOpenCl()
    {
        _ = ResolveOpenCl.Value;
        var context = Build("opencl", b => b.OpenCL());
        var devices = context.GetCLDevices();
        if (devices.Count == 0)
        {
            context.Dispose();
            throw new BackendException("device 'opencl': no usable OpenCL device found " +
                                       "(ILGPU needs OpenCL 2.0 or 3.0 with the generic address space)");
        }
        var device = devices[0];
        return Wrap("opencl", context, () => device.CreateAccelerator(context), LaunchShape.Gpu);
    }

    /// <summary>
    /// ILGPU's CPU accelerator with <paramref name="warpSize"/> threads per warp (4 is ILGPU's default device;
    /// 32 mimics CUDA). Every simulated thread is an OS thread: for tests, not for speed.
    /// </summary>
    public static IlgpuBackend CreateCpu(int warpSize = 4)
    {
        if (warpSize is not (4 or 8 or 16 or 32))
            throw new BackendException($"ilgpu-cpu: warp size {warpSize} not supported (4, 8, 16 or 32)");
        // Group sizes up to 256 threads: warpsPerMultiprocessor * warpSize.
        var device = new CPUDevice(warpSize, Math.Max(4, 256 / warpSize), 1);
        var context = Build("ilgpu-cpu", b => b.CPU(device));
        return Wrap("ilgpu-cpu", context, () => device.CreateCPUAccelerator(context, CPUAcceleratorMode.Parallel),
            LaunchShape.ForEmulator(warpSize));
    }

    /// <summary>A context for the given device kinds; a driver or native library that fails to load is a BackendException.</summary>
    private static Context Build(string name, Func<Context.Builder, Context.Builder> devices)
    {
        try
        {
            return Configure(devices(Context.Create())).ToContext();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            throw new BackendException($"device '{name}': ILGPU could not enumerate devices: {e.GetBaseException().Message}");
        }
    }

    /// <summary>
    /// Compiler settings shared with <see cref="PtxCompiler"/>. MathMode stays Default: Fast32BitOnly makes
    /// ILGPU 1.5.3 emit `tanh.approx.ftz.f32`, which ptxas rejects (tanh has no .ftz form).
    /// </summary>
    internal static Context.Builder Configure(Context.Builder builder) =>
        builder.EnableAlgorithms().Optimize(OptimizationLevel.O2);

    private static IlgpuBackend Wrap(string name, Context context, Func<Accelerator> create, LaunchShape shape)
    {
        try
        {
            return new IlgpuBackend(name, context, create(), shape);
        }
        catch (Exception e) when (e is not BackendException)
        {
            context.Dispose();
            throw new BackendException($"device '{name}': {e.Message}");
        }
    }

    /// <summary>
    /// ILGPU P/Invokes "OpenCL"; many Linux systems ship only libOpenCL.so.1. Installed only when an OpenCL
    /// backend is requested: on WSL, ILGPU's Cuda() sets its own resolver on the same assembly, and there can be one.
    /// </summary>
    private static readonly Lazy<bool> ResolveOpenCl = new(InstallOpenClResolver);

    private static bool InstallOpenClResolver()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, (name, assembly, path) =>
            {
                if (name != "OpenCL" || !OperatingSystem.IsLinux()) return IntPtr.Zero;
                foreach (var candidate in new[] { "libOpenCL.so", "libOpenCL.so.1" })
                    if (NativeLibrary.TryLoad(candidate, assembly, path, out var handle)) return handle;
                return IntPtr.Zero;
            });
            return true;
        }
        catch (InvalidOperationException)
        {
            // A resolver is already set for ILGPU's assembly (by ILGPU on WSL, or the host); keep it.
            return false;
        }
    }

    // ---- kernels ------------------------------------------------------------------------------

    /// <summary>
    /// Compiles a kernel, turning failures into one BackendException that carries the OpenCL build log
    /// (ILGPU writes it only to System.Diagnostics.Trace).
    /// </summary>
    private T Load<T>(Func<Accelerator, T> loader) where T : Delegate
    {
        var log = new StringBuilder();
        using var listener = new LogListener(log);
        Trace.Listeners.Add(listener);
        try
        {
            return loader(_accelerator);
        }
        catch (Exception e) when (e is not BackendException)
        {
            var detail = log.Length > 0 ? $"; build log: {log.ToString().ReplaceLineEndings(" ").Trim()}" : "";
            throw new BackendException($"{Name}: kernel compilation failed: {e.Message}{detail}");
        }
        finally
        {
            Trace.Listeners.Remove(listener);
        }
    }

    private sealed class LogListener(StringBuilder log) : TraceListener
    {
        public override void Write(string? message) { lock (log) log.Append(message); }
        public override void WriteLine(string? message) { lock (log) log.AppendLine(message); }
    }

    // ---- memory -------------------------------------------------------------------------------

    public DeviceBuffer<float> Allocate(long length) => Rent<float>(length);

    public DeviceBuffer<int> AllocateInt(long length) => Rent<int>(length);

    private IlgpuBuffer<T> Rent<T>(long length) where T : unmanaged
    {
        if (length < 0)
            throw new BackendException($"cannot allocate {length} elements on {Name}");
        if (length == 0) return new IlgpuBuffer<T>(this, null, ArrayView<T>.Empty);
        lock (_poolLock)
        {
            if (_pool.TryGetValue((typeof(T), length), out var stack) && stack.Count > 0)
            {
                var pooled = (MemoryBuffer1D<T, Stride1D.Dense>)stack.Pop();
                return new IlgpuBuffer<T>(this, pooled, pooled.View);
            }
        }
        long bytes = length * Unsafe.SizeOf<T>();
        if (bytes > _accelerator.MemorySize)
            throw new BackendException($"cannot allocate {bytes} bytes on {Name}: the device has {_accelerator.MemorySize}");
        MemoryBuffer1D<T, Stride1D.Dense> buffer;
        try
        {
            buffer = _accelerator.Allocate1D<T>(length);
        }
        catch (Exception e) when (e is OutOfMemoryException or AcceleratorException)
        {
            throw new BackendException($"cannot allocate {bytes} bytes on {Name} ({BytesAllocated} held): {e.Message}");
        }
        Interlocked.Add(ref _bytes, bytes);
        return new IlgpuBuffer<T>(this, buffer, buffer.View);
    }

    internal void Return<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer) where T : unmanaged
    {
        lock (_poolLock)
        {
            if (!_pool.TryGetValue((typeof(T), buffer.Length), out var stack))
                _pool[(typeof(T), buffer.Length)] = stack = new Stack<MemoryBuffer>();
            stack.Push(buffer);
        }
    }

    public void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer<T> destination) where T : unmanaged
    {
        var d = Own(destination);
        if (source.Length != d.Length)
            throw new BackendException($"upload of {source.Length} elements into a buffer of {d.Length}");
        if (source.Length == 0) return;
        d.View.CopyFromCPU(source);
    }

    public void Download<T>(DeviceBuffer<T> source, Span<T> destination) where T : unmanaged
    {
        var s = Own(source);
        if (destination.Length != s.Length)
            throw new BackendException($"download of a buffer of {s.Length} elements into {destination.Length}");
        if (destination.Length == 0) return;
        s.View.CopyToCPU(destination);
    }

    public void Synchronize() => _accelerator.Synchronize();

    internal IlgpuBuffer<T> Own<T>(DeviceBuffer<T> buffer) where T : unmanaged =>
        buffer as IlgpuBuffer<T> is { } b && ReferenceEquals(b.Backend, this)
            ? b
            : throw new BackendException($"buffer belongs to backend '{buffer.Backend.Name}', not this {Name} backend");

    /// <summary>The view of a buffer of this backend, checked to hold at least <paramref name="length"/> elements.</summary>
    internal ArrayView<T> V<T>(DeviceBuffer<T> buffer, long length, string what) where T : unmanaged
    {
        var b = Own(buffer);
        if (b.Length < length)
            throw new BackendException($"{what}: buffer of {b.Length} elements, op needs {length}");
        return b.View;
    }

    /// <summary>An optional buffer's view, or a 1-element placeholder the kernel never reads when absent.</summary>
    internal ArrayView<float> Optional(DeviceBuffer<float>? buffer, long length, string what) =>
        buffer is null ? _dummy.View : V(buffer, length, what);

    public void Dispose()
    {
        _accelerator.Synchronize();
        lock (_poolLock)
        {
            foreach (var stack in _pool.Values)
                foreach (var buffer in stack) buffer.Dispose();
            _pool.Clear();
        }
        _accelerator.Dispose();
        _context.Dispose();
    }
}
