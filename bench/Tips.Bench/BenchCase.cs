using Tips.Kernels;

namespace Tips.Bench;

/// <summary>
/// One timed kernel call on a backend: its work (flops, or bytes read + written once) gives GFLOP/s or GB/s.
/// Setup allocates and fills every buffer with random values; Run is the measured call and synchronizes.
/// </summary>
public abstract class BenchCase : IDisposable
{
    private readonly List<IDisposable> _buffers = [];

    protected BenchCase(string kernel, string shape, double work, bool isFlops)
    {
        Kernel = kernel;
        Shape = shape;
        Work = work;
        IsFlops = isFlops;
    }

    public string Kernel { get; }

    public string Shape { get; }

    /// <summary>Flops when <see cref="IsFlops"/>, else bytes.</summary>
    public double Work { get; }

    public bool IsFlops { get; }

    public string Key => $"{Kernel} {Shape}";

    protected IBackend Backend { get; private set; } = null!;

    public void Setup(IBackend backend)
    {
        Backend = backend;
        Allocate();
    }

    protected abstract void Allocate();

    public void Run()
    {
        Invoke();
        Backend.Synchronize();
    }

    protected abstract void Invoke();

    /// <summary>Whether <see cref="RunReference"/> times another library's version of the same call.</summary>
    public virtual bool HasReference => false;

    /// <summary>The same work done by the reference library (OpenBLAS for GEMM), on the same values.</summary>
    public virtual void RunReference() => throw new NotSupportedException($"{Key} has no reference library");

    /// <summary>Pinned host array of uniform values in [-1, 1); the same seed gives the same values as <see cref="Random"/>.</summary>
    protected static float[] RandomHost(long length, int seed)
    {
        var host = GC.AllocateUninitializedArray<float>((int)length, pinned: true);
        var rng = new Random(seed);
        for (int i = 0; i < host.Length; i++) host[i] = (float)(rng.NextDouble() * 2 - 1);
        return host;
    }

    protected DeviceBuffer<float> Random(long length, int seed)
    {
        var host = RandomHost(length, seed);
        var buffer = Backend.Allocate(length);
        Backend.Upload<float>(host, buffer);
        _buffers.Add(buffer);
        return buffer;
    }

    public void Dispose()
    {
        foreach (var b in _buffers) b.Dispose();
        _buffers.Clear();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// C (m, n) = op(A) op(B), batched; "NT" is a Linear layer y = x W^T. Rated in GFLOP/s, or in GB/s (A, B and C
/// touched once) when <paramref name="bandwidthBound"/> (matrix-vector products: each weight is used once).
/// </summary>
public sealed class GemmCase(string label, bool transA, bool transB, int m, int n, int k, int batch = 1, bool bandwidthBound = false)
    : BenchCase("gemm", $"{label} {m}x{n}x{k}{(batch > 1 ? $"x{batch}" : "")} {(transA ? 'T' : 'N')}{(transB ? 'T' : 'N')}",
        bandwidthBound ? 4.0 * ((long)m * k + (long)k * n + (long)m * n) * batch : 2.0 * m * n * k * batch, isFlops: !bandwidthBound)
{
    private DeviceBuffer<float> _a = null!, _b = null!, _c = null!;
    private float[] _hostA = [], _hostB = [], _hostC = [];

    protected override void Allocate()
    {
        _a = Random((long)m * k * batch, 1);
        _b = Random((long)k * n * batch, 2);
        _c = Random((long)m * n * batch, 3);
        if (!OpenBlas.Available) return;
        _hostA = RandomHost((long)m * k * batch, 1);
        _hostB = RandomHost((long)k * n * batch, 2);
        _hostC = RandomHost((long)m * n * batch, 3);
    }

    protected override void Invoke() =>
        Backend.Gemm(transA, transB, m, n, k, 1f, _a, transA ? m : k, (long)m * k, _b, transB ? k : n, (long)k * n,
            0f, _c, n, (long)m * n, batch);

    public override bool HasReference => OpenBlas.Available;

    public override unsafe void RunReference()
    {
        fixed (float* a = _hostA, b = _hostB, c = _hostC)
            for (int bi = 0; bi < batch; bi++)
                OpenBlas.Sgemm(transA, transB, m, n, k, 1f, a + (long)bi * m * k, transA ? m : k, b + (long)bi * k * n, transB ? k : n,
                    0f, c + (long)bi * m * n, n);
    }
}

/// <summary>LayerNorm forward over (rows, cols), saving mean and rstd; bytes = x read + y written.</summary>
public sealed class LayerNormCase(int rows, int cols)
    : BenchCase("layernorm", $"{rows}x{cols}", 2.0 * rows * cols * sizeof(float), isFlops: false)
{
    private DeviceBuffer<float> _x = null!, _gamma = null!, _beta = null!, _y = null!, _mean = null!, _rstd = null!;

    protected override void Allocate()
    {
        _x = Random((long)rows * cols, 1);
        _gamma = Random(cols, 2);
        _beta = Random(cols, 3);
        _y = Random((long)rows * cols, 4);
        _mean = Random(rows, 5);
        _rstd = Random(rows, 6);
    }

    protected override void Invoke() => Backend.LayerNormForward(_x, _gamma, _beta, _y, _mean, _rstd, rows, cols, 1e-6f);
}

/// <summary>Row softmax forward over (rows, cols); bytes = x read + y written.</summary>
public sealed class SoftmaxCase(int rows, int cols)
    : BenchCase("softmax", $"{rows}x{cols}", 2.0 * rows * cols * sizeof(float), isFlops: false)
{
    private DeviceBuffer<float> _x = null!, _y = null!;

    protected override void Allocate()
    {
        _x = Random((long)rows * cols, 1);
        _y = Random((long)rows * cols, 2);
    }

    protected override void Invoke() => Backend.SoftmaxForward(_x, _y, rows, cols, 0.125f);
}

/// <summary>Fused attention forward; flops are those of its two matrix products (q k^T and p v), 4 N^2 Dh per head.</summary>
public sealed class AttentionCase(int batch, int tokens, int heads, int headDim)
    : BenchCase("attention", $"B{batch} N{tokens} H{heads} Dh{headDim}", 4.0 * batch * heads * tokens * tokens * headDim, isFlops: true)
{
    private DeviceBuffer<float> _qkv = null!, _out = null!, _lse = null!;

    protected override void Allocate()
    {
        _qkv = Random((long)batch * tokens * 3 * heads * headDim, 1);
        _out = Random((long)batch * tokens * heads * headDim, 2);
        _lse = Random((long)batch * heads * tokens, 3);
    }

    protected override void Invoke() =>
        Backend.AttentionForward(_qkv, _out, _lse, batch, tokens, heads, headDim, 1f / MathF.Sqrt(headDim), null);
}

/// <summary>
/// The two GEMMs inside attention, batched over heads straight on the (N, 3, H, Dh) qkv layout (B = 1):
/// S_h = scale q_h k_h^T (N x N), then out_h = S_h v_h. No softmax: the yardstick the fused kernel is held to.
/// </summary>
public sealed class AttentionGemmsCase(int tokens, int heads, int headDim)
    : BenchCase("attention-gemms", $"B1 N{tokens} H{heads} Dh{headDim}", 4.0 * heads * tokens * tokens * headDim, isFlops: true)
{
    private DeviceBuffer<float> _qkv = null!, _s = null!, _out = null!;

    protected override void Allocate()
    {
        _qkv = Random((long)tokens * 3 * heads * headDim, 1);
        _s = Random((long)heads * tokens * tokens, 2);
        _out = Random((long)tokens * heads * headDim, 3);
    }

    protected override void Invoke()
    {
        int width = heads * headDim, row = 3 * width;
        long qkvLength = (long)tokens * row;
        var q = _qkv.Slice(0, qkvLength);
        var k = _qkv.Slice(width, qkvLength - width);
        var v = _qkv.Slice(2 * width, qkvLength - 2 * width);
        Backend.Gemm(false, true, tokens, tokens, headDim, 1f / MathF.Sqrt(headDim), q, row, headDim, k, row, headDim,
            0f, _s, tokens, (long)tokens * tokens, heads);
        Backend.Gemm(false, false, tokens, headDim, tokens, 1f, _s, tokens, (long)tokens * tokens, v, row, headDim,
            0f, _out, width, headDim, heads);
    }
}
