using ILGPU;
using ILGPU.Runtime;

namespace Tips.Kernels;

// Softmax, cross-entropies, the masked-patch loss and its center (kernels in SoftmaxKernels.cs).
public sealed partial class IlgpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, float>? _softmaxForward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>? _softmaxBackward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>? _sceForward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>? _sceBackward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float>? _tokenCe;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? _maskedMean;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, MaskedLossParams>? _maskedBackward;

    public void SoftmaxForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int cols, float scale)
    {
        const string op = nameof(SoftmaxForward);
        if (!RowShape(rows, cols, op)) return;
        long n = (long)rows * cols;
        (_softmaxForward ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, float>(SoftmaxKernels.SoftmaxForward)))
            (RowConfig(rows), V(x, n, op + " x"), V(y, n, op + " y"), cols, scale);
    }

    public void SoftmaxBackward(DeviceBuffer<float> y, DeviceBuffer<float> dy, DeviceBuffer<float> dx, int rows, int cols, float scale)
    {
        const string op = nameof(SoftmaxBackward);
        if (!RowShape(rows, cols, op)) return;
        long n = (long)rows * cols;
        (_softmaxBackward ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(SoftmaxKernels.SoftmaxBackward)))
            (RowConfig(rows), V(y, n, op + " y"), V(dy, n, op + " dy"), V(dx, n, op + " dx"), cols, scale);
    }

    public void SoftCrossEntropyForward(DeviceBuffer<float> logits, DeviceBuffer<float> targets, DeviceBuffer<float> loss,
        int rows, int cols, float scale)
    {
        const string op = nameof(SoftCrossEntropyForward);
        if (!RowShape(rows, cols, op)) return;
        long n = (long)rows * cols;
        (_sceForward ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(SoftmaxKernels.SoftCrossEntropyForward)))
            (RowConfig(rows), V(logits, n, op + " logits"), V(targets, n, op + " targets"), V(loss, rows, op + " loss"), cols, scale);
    }

    public void SoftCrossEntropyBackward(DeviceBuffer<float> logits, DeviceBuffer<float> targets, DeviceBuffer<float> dloss,
        DeviceBuffer<float> dlogits, int rows, int cols, float scale)
    {
        const string op = nameof(SoftCrossEntropyBackward);
        if (!RowShape(rows, cols, op)) return;
        long n = (long)rows * cols;
        (_sceBackward ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(SoftmaxKernels.SoftCrossEntropyBackward)))
            (RowConfig(rows), V(logits, n, op + " logits"), V(targets, n, op + " targets"), V(dloss, rows, op + " dloss"), V(dlogits, n, op + " dlogits"), cols, scale);
    }

    public void MaskedPatchLossForward(DeviceBuffer<float> student, DeviceBuffer<float> teacher, DeviceBuffer<float> center,
        DeviceBuffer<float> mask, DeviceBuffer<float> loss, int batch, int tokens, int k,
        float tauS, float tauT, bool allPositions)
    {
        const string op = nameof(MaskedPatchLossForward);
        CheckMaskedLoss(batch, tokens, k, tauS, tauT, op);
        int rows = batch * tokens;
        long n = (long)rows * k;
        var lossView = V(loss, 1, op + " loss");
        var maskView = allPositions ? _dummy.View : V(mask, rows, op + " mask");
        using var ce = (IlgpuBuffer<float>)Allocate(rows);
        (_tokenCe ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float>(SoftmaxKernels.TokenCrossEntropy)))
            (RowConfig(rows), V(student, n, op + " student"), V(teacher, n, op + " teacher"), V(center, k, op + " center"), ce.View, k, 1f / tauS, 1f / tauT);
        (_maskedMean ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(SoftmaxKernels.MaskedMean)))
            (RowConfig(1), ce.View, maskView, lossView, batch, tokens, allPositions ? 1 : 0);
    }

    public void MaskedPatchLossBackward(DeviceBuffer<float> student, DeviceBuffer<float> teacher, DeviceBuffer<float> center,
        DeviceBuffer<float> mask, float dloss, DeviceBuffer<float> dstudent, int batch, int tokens, int k,
        float tauS, float tauT, bool allPositions)
    {
        const string op = nameof(MaskedPatchLossBackward);
        CheckMaskedLoss(batch, tokens, k, tauS, tauT, op);
        int rows = batch * tokens;
        long n = (long)rows * k;
        var p = new MaskedLossParams
        {
            Batch = batch, Tokens = tokens, K = k, AllPositions = allPositions ? 1 : 0,
            InvTauS = 1f / tauS, InvTauT = 1f / tauT, DLoss = dloss,
        };
        (_maskedBackward ??= Load(a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, MaskedLossParams>(SoftmaxKernels.MaskedPatchLossBackward)))
            (RowConfig(rows), V(student, n, op + " student"), V(teacher, n, op + " teacher"), V(center, k, op + " center"),
                allPositions ? _dummy.View : V(mask, rows, op + " mask"), V(dstudent, n, op + " dstudent"), p);
    }

    private static void CheckMaskedLoss(int batch, int tokens, int k, float tauS, float tauT, string op)
    {
        if (batch <= 0 || tokens <= 0 || k <= 0)
            throw new BackendException($"{op}: shape {batch} x {tokens} x {k} must be positive");
        if (!(tauS > 0f) || !(tauT > 0f))
            throw new BackendException($"{op}: temperatures must be positive (student {tauS}, teacher {tauT})");
    }

    public void CenterUpdate(DeviceBuffer<float> x, DeviceBuffer<float> center, int rows, int k, float momentum)
    {
        const string op = nameof(CenterUpdate);
        if (!RowShape(rows, k, op)) return;
        var cv = V(center, k, op + " center");
        Scale(center.Slice(0, k), momentum);
        SumRowsAdd(V(x, (long)rows * k, op + " x"), cv, 1, rows, k, (1f - momentum) / rows);
    }
}
