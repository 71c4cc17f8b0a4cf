using Tips.Kernels;

namespace Tips.Tests.Reliability;

/// <summary>
/// A backend that forwards every op to an inner one and, when armed, writes a NaN or infinity into one element of a
/// named buffer argument right after the n-th call of an op: an activation (a forward op's output), a gradient (a
/// backward op's output) or anything else an op touches. One forwarding member per IBackend op.
/// </summary>
public sealed class FaultBackend(IBackend inner) : IBackend
{
    private (string Op, string Arg, int Call, float Value)? _fault;
    private int _calls;

    /// <summary>Poisons element <c>length / 3</c> of <paramref name="arg"/> after call <paramref name="call"/> (from 0) of <paramref name="op"/>.</summary>
    public void Arm(string op, string arg, int call, float value)
    {
        _fault = (op, arg, call, value);
        _calls = 0;
        Injected = 0;
    }

    /// <summary>How many faults were written since the last <see cref="Arm"/>.</summary>
    public int Injected { get; private set; }

    public void Disarm() => _fault = null;

    private void Tap(string op, params (string Name, DeviceBuffer<float>? Buffer)[] buffers)
    {
        if (_fault is not { } f || f.Op != op) return;
        if (_calls++ != f.Call) return;
        var target = buffers.Single(b => b.Name == f.Arg).Buffer ?? throw new InvalidOperationException($"{op}: {f.Arg} is null");
        var host = new float[target.Length];
        inner.Download(target, host);
        host[host.Length / 3] = f.Value;
        inner.Upload<float>(host, target);
        Injected++;
    }

    public void Dispose() => inner.Dispose();

    public string Name => inner.Name;

    public string Device => inner.Device;

    public DeviceBuffer<float> Allocate(long length) => inner.Allocate(length);

    public DeviceBuffer<int> AllocateInt(long length) => inner.AllocateInt(length);

    public void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer<T> destination) where T : unmanaged => inner.Upload<T>(source, destination);

    public void Download<T>(DeviceBuffer<T> source, Span<T> destination) where T : unmanaged => inner.Download<T>(source, destination);

    public void Synchronize() => inner.Synchronize();

    public long BytesAllocated => inner.BytesAllocated;

    public void Fill(DeviceBuffer<float> x, float value)
    {
        inner.Fill(x, value);
        Tap(nameof(Fill), ("x", x));
    }

    public void Copy(DeviceBuffer<float> src, DeviceBuffer<float> dst)
    {
        inner.Copy(src, dst);
        Tap(nameof(Copy), ("src", src), ("dst", dst));
    }

    public void Copy2D(DeviceBuffer<float> src, int srcLd, DeviceBuffer<float> dst, int dstLd, int rows, int cols)
    {
        inner.Copy2D(src, srcLd, dst, dstLd, rows, cols);
        Tap(nameof(Copy2D), ("src", src), ("dst", dst));
    }

    public void Axpy(float alpha, DeviceBuffer<float> x, DeviceBuffer<float> y)
    {
        inner.Axpy(alpha, x, y);
        Tap(nameof(Axpy), ("x", x), ("y", y));
    }

    public void Scale(DeviceBuffer<float> x, float alpha)
    {
        inner.Scale(x, alpha);
        Tap(nameof(Scale), ("x", x));
    }

    public void AddRowVector(DeviceBuffer<float> x, DeviceBuffer<float> v, int rows, int cols, float alpha)
    {
        inner.AddRowVector(x, v, rows, cols, alpha);
        Tap(nameof(AddRowVector), ("x", x), ("v", v));
    }

    public void RowScaleForward(DeviceBuffer<float> x, DeviceBuffer<float> s, DeviceBuffer<float> y, int rows, int cols)
    {
        inner.RowScaleForward(x, s, y, rows, cols);
        Tap(nameof(RowScaleForward), ("x", x), ("s", s), ("y", y));
    }

    public void RowScaleBackward(DeviceBuffer<float> x, DeviceBuffer<float> s, DeviceBuffer<float> dy, DeviceBuffer<float> dx, DeviceBuffer<float>? ds, int rows, int cols)
    {
        inner.RowScaleBackward(x, s, dy, dx, ds, rows, cols);
        Tap(nameof(RowScaleBackward), ("x", x), ("s", s), ("dy", dy), ("dx", dx), ("ds", ds));
    }

    public void SumSquares(DeviceBuffer<float> x, DeviceBuffer<float> result)
    {
        inner.SumSquares(x, result);
        Tap(nameof(SumSquares), ("x", x), ("result", result));
    }

    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, DeviceBuffer<float> a, int lda, long strideA, DeviceBuffer<float> b, int ldb, long strideB, float beta, DeviceBuffer<float> c, int ldc, long strideC, int batch = 1, DeviceBuffer<float>? bias = null, Activation activation = Activation.None)
    {
        inner.Gemm(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch, bias, activation);
        Tap(nameof(Gemm), ("a", a), ("b", b), ("c", c), ("bias", bias));
    }

    public void SumRows(DeviceBuffer<float> x, DeviceBuffer<float> y, int batch, int rows, int cols, float alpha, float beta)
    {
        inner.SumRows(x, y, batch, rows, cols, alpha, beta);
        Tap(nameof(SumRows), ("x", x), ("y", y));
    }

    public void BroadcastRows(DeviceBuffer<float> dy, DeviceBuffer<float> dx, int batch, int rows, int cols, float alpha)
    {
        inner.BroadcastRows(dy, dx, batch, rows, cols, alpha);
        Tap(nameof(BroadcastRows), ("dy", dy), ("dx", dx));
    }

    public void LayerNormForward(DeviceBuffer<float> x, DeviceBuffer<float> gamma, DeviceBuffer<float> beta, DeviceBuffer<float> y, DeviceBuffer<float>? mean, DeviceBuffer<float>? rstd, int rows, int cols, float eps)
    {
        inner.LayerNormForward(x, gamma, beta, y, mean, rstd, rows, cols, eps);
        Tap(nameof(LayerNormForward), ("x", x), ("gamma", gamma), ("beta", beta), ("y", y), ("mean", mean), ("rstd", rstd));
    }

    public void LayerNormBackward(DeviceBuffer<float> dy, DeviceBuffer<float> x, DeviceBuffer<float> gamma, DeviceBuffer<float> mean, DeviceBuffer<float> rstd, DeviceBuffer<float> dx, DeviceBuffer<float> dgamma, DeviceBuffer<float> dbeta, int rows, int cols)
    {
        inner.LayerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, cols);
        Tap(nameof(LayerNormBackward), ("dy", dy), ("x", x), ("gamma", gamma), ("mean", mean), ("rstd", rstd), ("dx", dx), ("dgamma", dgamma), ("dbeta", dbeta));
    }

    public void L2NormalizeForward(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<float>? norms, int rows, int cols, float eps)
    {
        inner.L2NormalizeForward(x, y, norms, rows, cols, eps);
        Tap(nameof(L2NormalizeForward), ("x", x), ("y", y), ("norms", norms));
    }

    public void L2NormalizeBackward(DeviceBuffer<float> y, DeviceBuffer<float> norms, DeviceBuffer<float> dy, DeviceBuffer<float> dx, int rows, int cols, float eps)
    {
        inner.L2NormalizeBackward(y, norms, dy, dx, rows, cols, eps);
        Tap(nameof(L2NormalizeBackward), ("y", y), ("norms", norms), ("dy", dy), ("dx", dx));
    }

    public void SoftmaxForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int cols, float scale)
    {
        inner.SoftmaxForward(x, y, rows, cols, scale);
        Tap(nameof(SoftmaxForward), ("x", x), ("y", y));
    }

    public void SoftmaxBackward(DeviceBuffer<float> y, DeviceBuffer<float> dy, DeviceBuffer<float> dx, int rows, int cols, float scale)
    {
        inner.SoftmaxBackward(y, dy, dx, rows, cols, scale);
        Tap(nameof(SoftmaxBackward), ("y", y), ("dy", dy), ("dx", dx));
    }

    public void SoftCrossEntropyForward(DeviceBuffer<float> logits, DeviceBuffer<float> targets, DeviceBuffer<float> loss, int rows, int cols, float scale)
    {
        inner.SoftCrossEntropyForward(logits, targets, loss, rows, cols, scale);
        Tap(nameof(SoftCrossEntropyForward), ("logits", logits), ("targets", targets), ("loss", loss));
    }

    public void SoftCrossEntropyBackward(DeviceBuffer<float> logits, DeviceBuffer<float> targets, DeviceBuffer<float> dloss, DeviceBuffer<float> dlogits, int rows, int cols, float scale)
    {
        inner.SoftCrossEntropyBackward(logits, targets, dloss, dlogits, rows, cols, scale);
        Tap(nameof(SoftCrossEntropyBackward), ("logits", logits), ("targets", targets), ("dloss", dloss), ("dlogits", dlogits));
    }

    public void MaskedPatchLossForward(DeviceBuffer<float> student, DeviceBuffer<float> teacher, DeviceBuffer<float> center, DeviceBuffer<float> mask, DeviceBuffer<float> loss, int batch, int tokens, int k, float tauS, float tauT, bool allPositions)
    {
        inner.MaskedPatchLossForward(student, teacher, center, mask, loss, batch, tokens, k, tauS, tauT, allPositions);
        Tap(nameof(MaskedPatchLossForward), ("student", student), ("teacher", teacher), ("center", center), ("mask", mask), ("loss", loss));
    }

    public void MaskedPatchLossBackward(DeviceBuffer<float> student, DeviceBuffer<float> teacher, DeviceBuffer<float> center, DeviceBuffer<float> mask, float dloss, DeviceBuffer<float> dstudent, int batch, int tokens, int k, float tauS, float tauT, bool allPositions)
    {
        inner.MaskedPatchLossBackward(student, teacher, center, mask, dloss, dstudent, batch, tokens, k, tauS, tauT, allPositions);
        Tap(nameof(MaskedPatchLossBackward), ("student", student), ("teacher", teacher), ("center", center), ("mask", mask), ("dstudent", dstudent));
    }

    public void CenterUpdate(DeviceBuffer<float> x, DeviceBuffer<float> center, int rows, int k, float momentum)
    {
        inner.CenterUpdate(x, center, rows, k, momentum);
        Tap(nameof(CenterUpdate), ("x", x), ("center", center));
    }

    public void ActivationForward(Activation kind, DeviceBuffer<float> x, DeviceBuffer<float> y)
    {
        inner.ActivationForward(kind, x, y);
        Tap(nameof(ActivationForward), ("x", x), ("y", y));
    }

    public void ActivationBackward(Activation kind, DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx)
    {
        inner.ActivationBackward(kind, x, dy, dx);
        Tap(nameof(ActivationBackward), ("x", x), ("dy", dy), ("dx", dx));
    }

    public void SwiGluForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int hidden)
    {
        inner.SwiGluForward(x, y, rows, hidden);
        Tap(nameof(SwiGluForward), ("x", x), ("y", y));
    }

    public void SwiGluBackward(DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx, int rows, int hidden)
    {
        inner.SwiGluBackward(x, dy, dx, rows, hidden);
        Tap(nameof(SwiGluBackward), ("x", x), ("dy", dy), ("dx", dx));
    }

    public void ScaledResidualForward(DeviceBuffer<float> x, DeviceBuffer<float> residual, DeviceBuffer<float>? gamma, int rows, int cols)
    {
        inner.ScaledResidualForward(x, residual, gamma, rows, cols);
        Tap(nameof(ScaledResidualForward), ("x", x), ("residual", residual), ("gamma", gamma));
    }

    public void ScaledResidualBackward(DeviceBuffer<float> dy, DeviceBuffer<float> residual, DeviceBuffer<float>? gamma, DeviceBuffer<float> dresidual, DeviceBuffer<float>? dgamma, int rows, int cols)
    {
        inner.ScaledResidualBackward(dy, residual, gamma, dresidual, dgamma, rows, cols);
        Tap(nameof(ScaledResidualBackward), ("dy", dy), ("residual", residual), ("gamma", gamma), ("dresidual", dresidual), ("dgamma", dgamma));
    }

    public void AttentionForward(DeviceBuffer<float> qkv, DeviceBuffer<float> output, DeviceBuffer<float>? lse, int batch, int tokens, int heads, int headDim, float scale, DeviceBuffer<float>? keyMask)
    {
        inner.AttentionForward(qkv, output, lse, batch, tokens, heads, headDim, scale, keyMask);
        Tap(nameof(AttentionForward), ("qkv", qkv), ("output", output), ("lse", lse), ("keyMask", keyMask));
    }

    public void AttentionBackward(DeviceBuffer<float> qkv, DeviceBuffer<float> output, DeviceBuffer<float> lse, DeviceBuffer<float> dout, DeviceBuffer<float> dqkv, int batch, int tokens, int heads, int headDim, float scale, DeviceBuffer<float>? keyMask)
    {
        inner.AttentionBackward(qkv, output, lse, dout, dqkv, batch, tokens, heads, headDim, scale, keyMask);
        Tap(nameof(AttentionBackward), ("qkv", qkv), ("output", output), ("lse", lse), ("dout", dout), ("dqkv", dqkv), ("keyMask", keyMask));
    }

    public void EmbeddingForward(DeviceBuffer<float> table, DeviceBuffer<int> ids, DeviceBuffer<float> y, int count, int dim, float scale)
    {
        inner.EmbeddingForward(table, ids, y, count, dim, scale);
        Tap(nameof(EmbeddingForward), ("table", table), ("y", y));
    }

    public void EmbeddingBackward(DeviceBuffer<float> dy, DeviceBuffer<int> ids, DeviceBuffer<float> dtable, int count, int dim, float scale)
    {
        inner.EmbeddingBackward(dy, ids, dtable, count, dim, scale);
        Tap(nameof(EmbeddingBackward), ("dy", dy), ("dtable", dtable));
    }

    public void PatchifyForward(DeviceBuffer<float> image, DeviceBuffer<float> patches, int batch, int height, int width, int patch)
    {
        inner.PatchifyForward(image, patches, batch, height, width, patch);
        Tap(nameof(PatchifyForward), ("image", image), ("patches", patches));
    }

    public void PatchifyBackward(DeviceBuffer<float> dpatches, DeviceBuffer<float> dimage, int batch, int height, int width, int patch)
    {
        inner.PatchifyBackward(dpatches, dimage, batch, height, width, patch);
        Tap(nameof(PatchifyBackward), ("dpatches", dpatches), ("dimage", dimage));
    }

    public void ResizeForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int batch, int inH, int inW, int outH, int outW, int channels)
    {
        inner.ResizeForward(x, y, batch, inH, inW, outH, outW, channels);
        Tap(nameof(ResizeForward), ("x", x), ("y", y));
    }

    public void ResizeBackward(DeviceBuffer<float> dy, DeviceBuffer<float> dx, int batch, int inH, int inW, int outH, int outW, int channels)
    {
        inner.ResizeBackward(dy, dx, batch, inH, inW, outH, outW, channels);
        Tap(nameof(ResizeBackward), ("dy", dy), ("dx", dx));
    }

    public void AdamW(DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m, DeviceBuffer<float> v, float lr, float beta1, float beta2, float eps, float weightDecay, int step)
    {
        inner.AdamW(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step);
        Tap(nameof(AdamW), ("param", param), ("grad", grad), ("m", m), ("v", v));
    }

    public void Ema(DeviceBuffer<float> teacher, DeviceBuffer<float> student, float momentum)
    {
        inner.Ema(teacher, student, momentum);
        Tap(nameof(Ema), ("teacher", teacher), ("student", student));
    }
}
