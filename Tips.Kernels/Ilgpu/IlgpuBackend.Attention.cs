using ILGPU;
using ILGPU.Runtime;

namespace Tips.Kernels;

// Fused attention (kernels in AttentionKernels.cs).
public sealed partial class IlgpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionParams>? _attentionForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionParams>? _attentionDelta;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionParams>? _attentionBackwardKv;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionParams>? _attentionBackwardQ;

    /// <summary>Floats of shared memory the backward key/value kernel (the largest of the three) needs.</summary>
    private static int BackwardSharedFloats(int block, int dh) => 4 * block * dh + 2 * block * (dh + 1) + 2 * block * block + 2 * block;

    /// <summary>Floats of shared memory of the forward kernel: Q and O tiles, padded K and V tiles, scores, row stats.</summary>
    private static int ForwardSharedFloats(int block, int dh) => 2 * block * dh + 2 * block * (dh + 1) + block * block + 3 * block;

    /// <summary>Shape checks and the largest block (at most <see cref="LaunchShape.AttentionBlock"/>) whose tiles fit.</summary>
    private AttentionParams AttentionSetup(int batch, int tokens, int heads, int headDim, float scale, bool hasMask, bool saveLse,
        Func<int, int, int> sharedFloats, string op)
    {
        if (batch <= 0 || tokens <= 0 || heads <= 0 || headDim <= 0)
            throw new BackendException($"{op}: shape B={batch} N={tokens} H={heads} Dh={headDim} must be positive");
        int block = Shape.AttentionBlock;
        while (block > 1 && sharedFloats(block, headDim) * sizeof(float) > LaunchShape.SharedBytes) block /= 2;
        if (sharedFloats(block, headDim) * sizeof(float) > LaunchShape.SharedBytes)
            throw new BackendException($"{op}: head dim {headDim} too large for the attention kernels' shared memory");
        int blocks = (tokens + block - 1) / block;
        if ((long)batch * heads * blocks > int.MaxValue || (long)batch * heads * tokens > int.MaxValue)
            throw new BackendException($"{op}: B * H * N = {(long)batch * heads * tokens} exceeds one launch");
        return new AttentionParams
        {
            N = tokens, H = heads, Dh = headDim, BlockQ = block, BlockK = block, QueryBlocks = blocks, KeyBlocks = blocks,
            HasMask = hasMask ? 1 : 0, SaveLse = saveLse ? 1 : 0, Scale = scale,
        };
    }

    private KernelConfig AttentionConfig(int groups, int sharedFloats) =>
        new(new Index1D(groups), new Index1D(Shape.AttentionGroup), SharedMemoryConfig.RequestDynamic<float>(sharedFloats));

    public void AttentionForward(DeviceBuffer<float> qkv, DeviceBuffer<float> output, DeviceBuffer<float>? lse,
        int batch, int tokens, int heads, int headDim, float scale, DeviceBuffer<float>? keyMask)
    {
        const string op = nameof(AttentionForward);
        var p = AttentionSetup(batch, tokens, heads, headDim, scale, keyMask is not null, lse is not null, ForwardSharedFloats, op);
        long rows = (long)batch * tokens;
        int sharedFloats = ForwardSharedFloats(p.BlockQ, headDim);
        (_attentionForward ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionParams>(AttentionKernels.Forward)))
            (AttentionConfig(batch * heads * p.QueryBlocks, sharedFloats),
                V(qkv, rows * 3 * heads * headDim, op + " qkv"), V(output, rows * heads * headDim, op + " output"),
                Optional(lse, (long)batch * heads * tokens, op + " lse"), Optional(keyMask, rows, op + " keyMask"), p);
    }

    public void AttentionBackward(DeviceBuffer<float> qkv, DeviceBuffer<float> output, DeviceBuffer<float> lse,
        DeviceBuffer<float> dout, DeviceBuffer<float> dqkv,
        int batch, int tokens, int heads, int headDim, float scale, DeviceBuffer<float>? keyMask)
    {
        const string op = nameof(AttentionBackward);
        var p = AttentionSetup(batch, tokens, heads, headDim, scale, keyMask is not null, true, BackwardSharedFloats, op);
        long rows = (long)batch * tokens;
        int bhn = batch * heads * tokens;
        var qkvView = V(qkv, rows * 3 * heads * headDim, op + " qkv");
        var doutView = V(dout, rows * heads * headDim, op + " dout");
        var lseView = V(lse, bhn, op + " lse");
        var dqkvView = V(dqkv, rows * 3 * heads * headDim, op + " dqkv");
        var maskView = Optional(keyMask, rows, op + " keyMask");
        using var delta = (IlgpuBuffer<float>)Allocate(bhn);
        (_attentionDelta ??= Load(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionParams>(AttentionKernels.Delta)))
            (new Index1D(bhn), V(output, rows * heads * headDim, op + " output"), doutView, delta.View, p);
        int sharedFloats = BackwardSharedFloats(p.BlockQ, headDim);
        (_attentionBackwardKv ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionParams>(AttentionKernels.BackwardKeyValue)))
            (AttentionConfig(batch * heads * p.KeyBlocks, sharedFloats), qkvView, doutView, lseView, delta.View, dqkvView, maskView, p);
        (_attentionBackwardQ ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionParams>(AttentionKernels.BackwardQuery)))
            (AttentionConfig(batch * heads * p.QueryBlocks, sharedFloats), qkvView, doutView, lseView, delta.View, dqkvView, maskView, p);
    }
}
