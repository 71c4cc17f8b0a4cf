namespace Tips.Kernels;

// Ops not yet implemented on cpu; each op family moves to its own file as it lands.
public sealed partial class CpuBackend
{
    public void Fill(DeviceBuffer<float> x, float value) => throw new NotImplementedException("Fill");

    public void Copy(DeviceBuffer<float> src, DeviceBuffer<float> dst) => throw new NotImplementedException("Copy");

    public void Copy2D(DeviceBuffer<float> src, int srcLd, DeviceBuffer<float> dst, int dstLd, int rows, int cols) => throw new NotImplementedException("Copy2D");

    public void Axpy(float alpha, DeviceBuffer<float> x, DeviceBuffer<float> y) => throw new NotImplementedException("Axpy");

    public void Scale(DeviceBuffer<float> x, float alpha) => throw new NotImplementedException("Scale");

    public void AddRowVector(DeviceBuffer<float> x, DeviceBuffer<float> v, int rows, int cols, float alpha) => throw new NotImplementedException("AddRowVector");

    public void RowScaleForward(DeviceBuffer<float> x, DeviceBuffer<float> s, DeviceBuffer<float> y, int rows, int cols) => throw new NotImplementedException("RowScaleForward");

    public void RowScaleBackward(DeviceBuffer<float> x, DeviceBuffer<float> s, DeviceBuffer<float> dy, DeviceBuffer<float> dx, DeviceBuffer<float>? ds, int rows, int cols) => throw new NotImplementedException("RowScaleBackward");

    public void SumSquares(DeviceBuffer<float> x, DeviceBuffer<float> result) => throw new NotImplementedException("SumSquares");

    public void LayerNormForward(DeviceBuffer<float> x, DeviceBuffer<float> gamma, DeviceBuffer<float> beta, DeviceBuffer<float> y, DeviceBuffer<float>? mean, DeviceBuffer<float>? rstd, int rows, int cols, float eps) => throw new NotImplementedException("LayerNormForward");

    public void LayerNormBackward(DeviceBuffer<float> dy, DeviceBuffer<float> x, DeviceBuffer<float> gamma, DeviceBuffer<float> mean, DeviceBuffer<float> rstd, DeviceBuffer<float> dx, DeviceBuffer<float> dgamma, DeviceBuffer<float> dbeta, int rows, int cols) => throw new NotImplementedException("LayerNormBackward");

    public void L2NormalizeForward(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<float>? norms, int rows, int cols, float eps) => throw new NotImplementedException("L2NormalizeForward");

    public void L2NormalizeBackward(DeviceBuffer<float> y, DeviceBuffer<float> norms, DeviceBuffer<float> dy, DeviceBuffer<float> dx, int rows, int cols, float eps) => throw new NotImplementedException("L2NormalizeBackward");

    public void SoftmaxForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int cols, float scale) => throw new NotImplementedException("SoftmaxForward");

    public void SoftmaxBackward(DeviceBuffer<float> y, DeviceBuffer<float> dy, DeviceBuffer<float> dx, int rows, int cols, float scale) => throw new NotImplementedException("SoftmaxBackward");

    public void SoftCrossEntropyForward(DeviceBuffer<float> logits, DeviceBuffer<float> targets, DeviceBuffer<float> loss, int rows, int cols, float scale) => throw new NotImplementedException("SoftCrossEntropyForward");

    public void SoftCrossEntropyBackward(DeviceBuffer<float> logits, DeviceBuffer<float> targets, DeviceBuffer<float> dloss, DeviceBuffer<float> dlogits, int rows, int cols, float scale) => throw new NotImplementedException("SoftCrossEntropyBackward");

    public void MaskedPatchLossForward(DeviceBuffer<float> student, DeviceBuffer<float> teacher, DeviceBuffer<float> center, DeviceBuffer<float> mask, DeviceBuffer<float> loss, int batch, int tokens, int k, float tauS, float tauT, bool allPositions) => throw new NotImplementedException("MaskedPatchLossForward");

    public void MaskedPatchLossBackward(DeviceBuffer<float> student, DeviceBuffer<float> teacher, DeviceBuffer<float> center, DeviceBuffer<float> mask, float dloss, DeviceBuffer<float> dstudent, int batch, int tokens, int k, float tauS, float tauT, bool allPositions) => throw new NotImplementedException("MaskedPatchLossBackward");

    public void CenterUpdate(DeviceBuffer<float> x, DeviceBuffer<float> center, int rows, int k, float momentum) => throw new NotImplementedException("CenterUpdate");

    public void ActivationForward(Activation kind, DeviceBuffer<float> x, DeviceBuffer<float> y) => throw new NotImplementedException("ActivationForward");

    public void ActivationBackward(Activation kind, DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx) => throw new NotImplementedException("ActivationBackward");

    public void SwiGluForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int hidden) => throw new NotImplementedException("SwiGluForward");

    public void SwiGluBackward(DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx, int rows, int hidden) => throw new NotImplementedException("SwiGluBackward");

    public void ScaledResidualForward(DeviceBuffer<float> x, DeviceBuffer<float> residual, DeviceBuffer<float>? gamma, int rows, int cols) => throw new NotImplementedException("ScaledResidualForward");

    public void ScaledResidualBackward(DeviceBuffer<float> dy, DeviceBuffer<float> residual, DeviceBuffer<float>? gamma, DeviceBuffer<float> dresidual, DeviceBuffer<float>? dgamma, int rows, int cols) => throw new NotImplementedException("ScaledResidualBackward");

    public void AttentionForward(DeviceBuffer<float> qkv, DeviceBuffer<float> output, DeviceBuffer<float>? lse, int batch, int tokens, int heads, int headDim, float scale, DeviceBuffer<float>? keyMask) => throw new NotImplementedException("AttentionForward");

    public void AttentionBackward(DeviceBuffer<float> qkv, DeviceBuffer<float> output, DeviceBuffer<float> lse, DeviceBuffer<float> dout, DeviceBuffer<float> dqkv, int batch, int tokens, int heads, int headDim, float scale, DeviceBuffer<float>? keyMask) => throw new NotImplementedException("AttentionBackward");

    public void EmbeddingForward(DeviceBuffer<float> table, DeviceBuffer<int> ids, DeviceBuffer<float> y, int count, int dim, float scale) => throw new NotImplementedException("EmbeddingForward");

    public void EmbeddingBackward(DeviceBuffer<float> dy, DeviceBuffer<int> ids, DeviceBuffer<float> dtable, int count, int dim, float scale) => throw new NotImplementedException("EmbeddingBackward");

    public void PatchifyForward(DeviceBuffer<float> image, DeviceBuffer<float> patches, int batch, int height, int width, int patch) => throw new NotImplementedException("PatchifyForward");

    public void PatchifyBackward(DeviceBuffer<float> dpatches, DeviceBuffer<float> dimage, int batch, int height, int width, int patch) => throw new NotImplementedException("PatchifyBackward");

    public void ResizeForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int batch, int inH, int inW, int outH, int outW, int channels) => throw new NotImplementedException("ResizeForward");

    public void ResizeBackward(DeviceBuffer<float> dy, DeviceBuffer<float> dx, int batch, int inH, int inW, int outH, int outW, int channels) => throw new NotImplementedException("ResizeBackward");

    public void AdamW(DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m, DeviceBuffer<float> v, float lr, float beta1, float beta2, float eps, float weightDecay, int step) => throw new NotImplementedException("AdamW");

    public void Ema(DeviceBuffer<float> teacher, DeviceBuffer<float> student, float momentum) => throw new NotImplementedException("Ema");
}
