using System.Diagnostics;
using Tips.Kernels;

namespace Tips.Bench;

/// <summary>
/// A backend decorator that times every op (wall clock, per op name; GEMMs per shape) and forwards to the real
/// backend: the per-op profile of a model forward or training step. Buffers stay the inner backend's. Each op also
/// gets the process CPU seconds it used: CPU close to wall time marks an op that ran on one core.
/// </summary>
public sealed class OpProfiler(IBackend inner) : IBackend
{
    private readonly IBackend _inner = inner;
    private readonly Dictionary<string, (int Calls, double Seconds, double CpuSeconds)> _ops = [];

    /// <summary>Calls, wall seconds and process CPU seconds per op since the last <see cref="Reset"/>.</summary>
    public IReadOnlyDictionary<string, (int Calls, double Seconds, double CpuSeconds)> Ops => _ops;

    public void Reset() => _ops.Clear();

    private void Time(string op, Action call)
    {
        var c0 = Environment.CpuUsage.TotalTime;
        long t0 = Stopwatch.GetTimestamp();
        call();
        double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        double cpu = (Environment.CpuUsage.TotalTime - c0).TotalSeconds;
        var (calls, seconds, cpuSeconds) = _ops.GetValueOrDefault(op);
        _ops[op] = (calls + 1, seconds + s, cpuSeconds + cpu);
    }

    public string Name => _inner.Name;

    public string Device => _inner.Device;

    public long BytesAllocated => _inner.BytesAllocated;

    public DeviceBuffer<float> Allocate(long length) => _inner.Allocate(length);

    public DeviceBuffer<int> AllocateInt(long length) => _inner.AllocateInt(length);

    public void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer<T> destination) where T : unmanaged => _inner.Upload<T>(source, destination);

    public void Download<T>(DeviceBuffer<T> source, Span<T> destination) where T : unmanaged => _inner.Download<T>(source, destination);

    public void Synchronize() => _inner.Synchronize();

    public void Fill(DeviceBuffer<float> x, float value) =>
        Time("Fill", () => _inner.Fill(x, value));

    public void Copy(DeviceBuffer<float> src, DeviceBuffer<float> dst) =>
        Time("Copy", () => _inner.Copy(src, dst));

    public void Copy2D(DeviceBuffer<float> src, int srcLd, DeviceBuffer<float> dst, int dstLd, int rows, int cols) =>
        Time("Copy2D", () => _inner.Copy2D(src, srcLd, dst, dstLd, rows, cols));

    public void Axpy(float alpha, DeviceBuffer<float> x, DeviceBuffer<float> y) =>
        Time("Axpy", () => _inner.Axpy(alpha, x, y));

    public void Scale(DeviceBuffer<float> x, float alpha) =>
        Time("Scale", () => _inner.Scale(x, alpha));

    public void AddRowVector(DeviceBuffer<float> x, DeviceBuffer<float> v, int rows, int cols, float alpha) =>
        Time("AddRowVector", () => _inner.AddRowVector(x, v, rows, cols, alpha));

    public void RowScaleForward(DeviceBuffer<float> x, DeviceBuffer<float> s, DeviceBuffer<float> y, int rows, int cols) =>
        Time("RowScaleForward", () => _inner.RowScaleForward(x, s, y, rows, cols));

    public void RowScaleBackward(DeviceBuffer<float> x, DeviceBuffer<float> s, DeviceBuffer<float> dy, DeviceBuffer<float> dx, DeviceBuffer<float>? ds, int rows, int cols) =>
        Time("RowScaleBackward", () => _inner.RowScaleBackward(x, s, dy, dx, ds, rows, cols));

    public void SumSquares(DeviceBuffer<float> x, DeviceBuffer<float> result) =>
        Time("SumSquares", () => _inner.SumSquares(x, result));

    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, DeviceBuffer<float> a, int lda, long strideA, DeviceBuffer<float> b, int ldb, long strideB, float beta, DeviceBuffer<float> c, int ldc, long strideC, int batch = 1, DeviceBuffer<float>? bias = null, Activation activation = Activation.None) =>
        Time($"Gemm {(transA ? "T" : "N")}{(transB ? "T" : "N")} {m}x{n}x{k}{(batch > 1 ? $" x{batch}" : "")}{(activation != Activation.None ? $" +{activation}" : "")}", () => _inner.Gemm(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch, bias, activation));

    public void SumRows(DeviceBuffer<float> x, DeviceBuffer<float> y, int batch, int rows, int cols, float alpha, float beta) =>
        Time("SumRows", () => _inner.SumRows(x, y, batch, rows, cols, alpha, beta));

    public void BroadcastRows(DeviceBuffer<float> dy, DeviceBuffer<float> dx, int batch, int rows, int cols, float alpha) =>
        Time("BroadcastRows", () => _inner.BroadcastRows(dy, dx, batch, rows, cols, alpha));

    public void LayerNormForward(DeviceBuffer<float> x, DeviceBuffer<float> gamma, DeviceBuffer<float> beta, DeviceBuffer<float> y, DeviceBuffer<float>? mean, DeviceBuffer<float>? rstd, int rows, int cols, float eps) =>
        Time("LayerNormForward", () => _inner.LayerNormForward(x, gamma, beta, y, mean, rstd, rows, cols, eps));

    public void LayerNormBackward(DeviceBuffer<float> dy, DeviceBuffer<float> x, DeviceBuffer<float> gamma, DeviceBuffer<float> mean, DeviceBuffer<float> rstd, DeviceBuffer<float> dx, DeviceBuffer<float> dgamma, DeviceBuffer<float> dbeta, int rows, int cols) =>
        Time("LayerNormBackward", () => _inner.LayerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, cols));

    public void L2NormalizeForward(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<float>? norms, int rows, int cols, float eps) =>
        Time("L2NormalizeForward", () => _inner.L2NormalizeForward(x, y, norms, rows, cols, eps));

    public void L2NormalizeBackward(DeviceBuffer<float> y, DeviceBuffer<float> norms, DeviceBuffer<float> dy, DeviceBuffer<float> dx, int rows, int cols, float eps) =>
        Time("L2NormalizeBackward", () => _inner.L2NormalizeBackward(y, norms, dy, dx, rows, cols, eps));

    public void SoftmaxForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int cols, float scale) =>
        Time("SoftmaxForward", () => _inner.SoftmaxForward(x, y, rows, cols, scale));

    public void SoftmaxBackward(DeviceBuffer<float> y, DeviceBuffer<float> dy, DeviceBuffer<float> dx, int rows, int cols, float scale) =>
        Time("SoftmaxBackward", () => _inner.SoftmaxBackward(y, dy, dx, rows, cols, scale));

    public void SoftCrossEntropyForward(DeviceBuffer<float> logits, DeviceBuffer<float> targets, DeviceBuffer<float> loss, int rows, int cols, float scale) =>
        Time("SoftCrossEntropyForward", () => _inner.SoftCrossEntropyForward(logits, targets, loss, rows, cols, scale));

    public void SoftCrossEntropyBackward(DeviceBuffer<float> logits, DeviceBuffer<float> targets, DeviceBuffer<float> dloss, DeviceBuffer<float> dlogits, int rows, int cols, float scale) =>
        Time("SoftCrossEntropyBackward", () => _inner.SoftCrossEntropyBackward(logits, targets, dloss, dlogits, rows, cols, scale));

    public void MaskedPatchLossForward(DeviceBuffer<float> student, DeviceBuffer<float> teacher, DeviceBuffer<float> center, DeviceBuffer<float> mask, DeviceBuffer<float> loss, int batch, int tokens, int k, float tauS, float tauT, bool allPositions) =>
        Time("MaskedPatchLossForward", () => _inner.MaskedPatchLossForward(student, teacher, center, mask, loss, batch, tokens, k, tauS, tauT, allPositions));

    public void MaskedPatchLossBackward(DeviceBuffer<float> student, DeviceBuffer<float> teacher, DeviceBuffer<float> center, DeviceBuffer<float> mask, float dloss, DeviceBuffer<float> dstudent, int batch, int tokens, int k, float tauS, float tauT, bool allPositions) =>
        Time("MaskedPatchLossBackward", () => _inner.MaskedPatchLossBackward(student, teacher, center, mask, dloss, dstudent, batch, tokens, k, tauS, tauT, allPositions));

    public void CenterUpdate(DeviceBuffer<float> x, DeviceBuffer<float> center, int rows, int k, float momentum) =>
        Time("CenterUpdate", () => _inner.CenterUpdate(x, center, rows, k, momentum));

    public void ActivationForward(Activation kind, DeviceBuffer<float> x, DeviceBuffer<float> y) =>
        Time("ActivationForward", () => _inner.ActivationForward(kind, x, y));

    public void ActivationBackward(Activation kind, DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx) =>
        Time("ActivationBackward", () => _inner.ActivationBackward(kind, x, dy, dx));

    public void SwiGluForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int hidden) =>
        Time("SwiGluForward", () => _inner.SwiGluForward(x, y, rows, hidden));

    public void SwiGluBackward(DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx, int rows, int hidden) =>
        Time("SwiGluBackward", () => _inner.SwiGluBackward(x, dy, dx, rows, hidden));

    public void ScaledResidualForward(DeviceBuffer<float> x, DeviceBuffer<float> residual, DeviceBuffer<float>? gamma, int rows, int cols) =>
        Time("ScaledResidualForward", () => _inner.ScaledResidualForward(x, residual, gamma, rows, cols));

    public void ScaledResidualBackward(DeviceBuffer<float> dy, DeviceBuffer<float> residual, DeviceBuffer<float>? gamma, DeviceBuffer<float> dresidual, DeviceBuffer<float>? dgamma, int rows, int cols) =>
        Time("ScaledResidualBackward", () => _inner.ScaledResidualBackward(dy, residual, gamma, dresidual, dgamma, rows, cols));

    public void AttentionForward(DeviceBuffer<float> qkv, DeviceBuffer<float> output, DeviceBuffer<float>? lse, int batch, int tokens, int heads, int headDim, float scale, DeviceBuffer<float>? keyMask) =>
        Time("AttentionForward", () => _inner.AttentionForward(qkv, output, lse, batch, tokens, heads, headDim, scale, keyMask));

    public void AttentionBackward(DeviceBuffer<float> qkv, DeviceBuffer<float> output, DeviceBuffer<float> lse, DeviceBuffer<float> dout, DeviceBuffer<float> dqkv, int batch, int tokens, int heads, int headDim, float scale, DeviceBuffer<float>? keyMask) =>
        Time("AttentionBackward", () => _inner.AttentionBackward(qkv, output, lse, dout, dqkv, batch, tokens, heads, headDim, scale, keyMask));

    public void EmbeddingForward(DeviceBuffer<float> table, DeviceBuffer<int> ids, DeviceBuffer<float> y, int count, int dim, float scale) =>
        Time("EmbeddingForward", () => _inner.EmbeddingForward(table, ids, y, count, dim, scale));

    public void EmbeddingBackward(DeviceBuffer<float> dy, DeviceBuffer<int> ids, DeviceBuffer<float> dtable, int count, int dim, float scale) =>
        Time("EmbeddingBackward", () => _inner.EmbeddingBackward(dy, ids, dtable, count, dim, scale));

    public void PatchifyForward(DeviceBuffer<float> image, DeviceBuffer<float> patches, int batch, int height, int width, int patch) =>
        Time("PatchifyForward", () => _inner.PatchifyForward(image, patches, batch, height, width, patch));

    public void PatchifyBackward(DeviceBuffer<float> dpatches, DeviceBuffer<float> dimage, int batch, int height, int width, int patch) =>
        Time("PatchifyBackward", () => _inner.PatchifyBackward(dpatches, dimage, batch, height, width, patch));

    public void ResizeForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int batch, int inH, int inW, int outH, int outW, int channels) =>
        Time("ResizeForward", () => _inner.ResizeForward(x, y, batch, inH, inW, outH, outW, channels));

    public void ResizeBackward(DeviceBuffer<float> dy, DeviceBuffer<float> dx, int batch, int inH, int inW, int outH, int outW, int channels) =>
        Time("ResizeBackward", () => _inner.ResizeBackward(dy, dx, batch, inH, inW, outH, outW, channels));

    public void AdamW(DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m, DeviceBuffer<float> v, float lr, float beta1, float beta2, float eps, float weightDecay, int step) =>
        Time("AdamW", () => _inner.AdamW(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step));

    public void Ema(DeviceBuffer<float> teacher, DeviceBuffer<float> student, float momentum) =>
        Time("Ema", () => _inner.Ema(teacher, student, momentum));

    public void Dispose() => _inner.Dispose();
}
