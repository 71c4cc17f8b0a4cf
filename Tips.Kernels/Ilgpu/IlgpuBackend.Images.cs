using ILGPU;
using ILGPU.Runtime;

namespace Tips.Kernels;

// Embeddings, patch extraction and resize (kernels in ImageKernels.cs).
public sealed partial class IlgpuBackend
{
    private Action<Index2D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, int, int, float>? _embeddingForward;
    private Action<Index2D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, int, int, float>? _embeddingBackward;
    private IlgpuBuffer<int>? _idStatus;

    /// <summary>
    /// Runs an embedding kernel and reports an id outside the table. Reading the status back synchronises:
    /// the embeddings run once per step, and a bad id must be an error, not a silent NaN row.
    /// </summary>
    private void CheckedEmbedding(Action<ArrayView<int>> launch, int vocab, string op)
    {
        _idStatus ??= (IlgpuBuffer<int>)AllocateInt(3);
        Upload<int>(stackalloc int[3], _idStatus);
        launch(_idStatus.View);
        Span<int> status = stackalloc int[3];
        Download(_idStatus, status);
        if (status[0] != 0)
            throw new BackendException($"{op}: id {status[1]} at position {status[2]} outside the table of {vocab} rows");
    }
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? _patchifyForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? _patchifyBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ResizeParams>? _resizeForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ResizeParams>? _resizeBackward;

    public void EmbeddingForward(DeviceBuffer<float> table, DeviceBuffer<int> ids, DeviceBuffer<float> y, int count, int dim, float scale)
    {
        const string op = nameof(EmbeddingForward);
        if (!RowShape(count, dim, op)) return;
        var tv = V(table, dim, op + " table");
        int vocab = (int)Math.Min(int.MaxValue, tv.Length / dim);
        var kernel = _embeddingForward ??= Load(a => a.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, int, int, float>(ImageKernels.EmbeddingForward));
        var idv = V(ids, count, op + " ids");
        var yv = V(y, (long)count * dim, op + " y");
        CheckedEmbedding(status => kernel(new Index2D(dim, count), tv, idv, yv, status, dim, vocab, scale), vocab, op);
    }

    public void EmbeddingBackward(DeviceBuffer<float> dy, DeviceBuffer<int> ids, DeviceBuffer<float> dtable, int count, int dim, float scale)
    {
        const string op = nameof(EmbeddingBackward);
        if (!RowShape(count, dim, op)) return;
        var tv = V(dtable, dim, op + " dtable");
        int vocab = (int)Math.Min(int.MaxValue, tv.Length / dim);
        var kernel = _embeddingBackward ??= Load(a => a.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, int, int, float>(ImageKernels.EmbeddingBackward));
        var dyv = V(dy, (long)count * dim, op + " dy");
        var idv = V(ids, count, op + " ids");
        CheckedEmbedding(status => kernel(new Index2D(dim, count), dyv, idv, tv, status, dim, vocab, scale), vocab, op);
    }

    private static long PatchElements(int batch, int height, int width, int patch, string op)
    {
        if (batch <= 0 || height <= 0 || width <= 0 || patch <= 0)
            throw new BackendException($"{op}: shape B={batch} H={height} W={width} P={patch} must be positive");
        if (height % patch != 0 || width % patch != 0)
            throw new BackendException($"{op}: image {height}x{width} is not a whole number of {patch}x{patch} patches");
        return (long)batch * height * width * 3;
    }

    public void PatchifyForward(DeviceBuffer<float> image, DeviceBuffer<float> patches, int batch, int height, int width, int patch)
    {
        const string op = nameof(PatchifyForward);
        long n = PatchElements(batch, height, width, patch, op);
        (_patchifyForward ??= Load(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(ImageKernels.PatchifyForward)))
            (Extent(n, op), V(image, n, op + " image"), V(patches, n, op + " patches"), height, width, patch);
    }

    public void PatchifyBackward(DeviceBuffer<float> dpatches, DeviceBuffer<float> dimage, int batch, int height, int width, int patch)
    {
        const string op = nameof(PatchifyBackward);
        long n = PatchElements(batch, height, width, patch, op);
        (_patchifyBackward ??= Load(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(ImageKernels.PatchifyBackward)))
            (Extent(n, op), V(dpatches, n, op + " dpatches"), V(dimage, n, op + " dimage"), height, width, patch);
    }

    private static ResizeParams ResizeSetup(int batch, int inH, int inW, int outH, int outW, int channels, string op)
    {
        if (batch <= 0 || inH <= 0 || inW <= 0 || outH <= 0 || outW <= 0 || channels <= 0)
            throw new BackendException($"{op}: shape B={batch} in={inH}x{inW} out={outH}x{outW} C={channels} must be positive");
        return new ResizeParams { InH = inH, InW = inW, OutH = outH, OutW = outW, Channels = channels };
    }

    public void ResizeForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int batch, int inH, int inW, int outH, int outW, int channels)
    {
        const string op = nameof(ResizeForward);
        var p = ResizeSetup(batch, inH, inW, outH, outW, channels, op);
        long outN = (long)batch * outH * outW * channels;
        (_resizeForward ??= Load(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ResizeParams>(ImageKernels.ResizeForward)))
            (Extent(outN, op), V(x, (long)batch * inH * inW * channels, op + " x"), V(y, outN, op + " y"), p);
    }

    public void ResizeBackward(DeviceBuffer<float> dy, DeviceBuffer<float> dx, int batch, int inH, int inW, int outH, int outW, int channels)
    {
        const string op = nameof(ResizeBackward);
        var p = ResizeSetup(batch, inH, inW, outH, outW, channels, op);
        long outN = (long)batch * outH * outW * channels;
        (_resizeBackward ??= Load(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ResizeParams>(ImageKernels.ResizeBackward)))
            (Extent(outN, op), V(dy, outN, op + " dy"), V(dx, (long)batch * inH * inW * channels, op + " dx"), p);
    }
}
