namespace Tips.Kernels;

/// <summary>
/// The op set every backend implements. All tensors are float32, row-major, dense.
/// Conventions:
/// - Forward ops overwrite their outputs (every element of the output range is written).
/// - Backward ops ACCUMULATE into gradient buffers (dX += ...), so a tape can sum branches;
///   the caller zeroes gradients first.
/// - Ops may run asynchronously; <see cref="Download{T}"/> and <see cref="Synchronize"/> wait.
/// - Sizes are element counts; "rows x cols" means cols is the fastest-moving index.
/// Dimension legend: B batch, N tokens, D width, H heads, Dh head dim, K prototypes, P patch size.
/// </summary>
public interface IBackend : IDisposable
{
    /// <summary>"cpu", "cuda", "opencl" or "ilgpu-cpu".</summary>
    string Name { get; }

    /// <summary>Human-readable device description.</summary>
    string Device { get; }

    // ---- memory -------------------------------------------------------------------------------

    /// <summary>A pooled buffer of at least <paramref name="length"/> elements; contents unspecified.</summary>
    DeviceBuffer<float> Allocate(long length);

    DeviceBuffer<int> AllocateInt(long length);

    void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer<T> destination) where T : unmanaged;

    void Download<T>(DeviceBuffer<T> source, Span<T> destination) where T : unmanaged;

    void Synchronize();

    /// <summary>Bytes currently held by the device (live + pooled).</summary>
    long BytesAllocated { get; }

    // ---- elementwise and data movement --------------------------------------------------------

    void Fill(DeviceBuffer<float> x, float value);

    /// <summary>dst = src (equal lengths).</summary>
    void Copy(DeviceBuffer<float> src, DeviceBuffer<float> dst);

    /// <summary>dst[r*dstLd + c] = src[r*srcLd + c] for r &lt; rows, c &lt; cols.</summary>
    void Copy2D(DeviceBuffer<float> src, int srcLd, DeviceBuffer<float> dst, int dstLd, int rows, int cols);

    /// <summary>y += alpha * x (equal lengths).</summary>
    void Axpy(float alpha, DeviceBuffer<float> x, DeviceBuffer<float> y);

    /// <summary>x *= alpha.</summary>
    void Scale(DeviceBuffer<float> x, float alpha);

    /// <summary>x[r, c] += alpha * v[c] for x (rows, cols).</summary>
    void AddRowVector(DeviceBuffer<float> x, DeviceBuffer<float> v, int rows, int cols, float alpha);

    /// <summary>y[r, c] = s[r] * x[r, c] (y may be x).</summary>
    void RowScaleForward(DeviceBuffer<float> x, DeviceBuffer<float> s, DeviceBuffer<float> y, int rows, int cols);

    /// <summary>dx[r, c] += s[r] * dy[r, c]; ds[r] += sum_c dy[r, c] * x[r, c] when ds is not null.</summary>
    void RowScaleBackward(DeviceBuffer<float> x, DeviceBuffer<float> s, DeviceBuffer<float> dy,
        DeviceBuffer<float> dx, DeviceBuffer<float>? ds, int rows, int cols);

    /// <summary>result[0] = sum of squares of x (float64-accurate accumulation not required; >= float32).</summary>
    void SumSquares(DeviceBuffer<float> x, DeviceBuffer<float> result);

    // ---- GEMM ---------------------------------------------------------------------------------

    /// <summary>
    /// Batched strided GEMM: for b &lt; batch,
    /// C_b = act(alpha * op(A_b) op(B_b) + beta * C_b + bias), bias broadcast over rows (length n).
    /// op(A) is m x k: A stored m x k (lda >= k), or k x m when transA (lda >= m). op(B) is k x n:
    /// B stored k x n (ldb >= n), or n x k when transB (ldb >= k). C is m x n with ldc >= n.
    /// A_b starts at b * strideA (likewise B, C). beta == 0 ignores C's prior contents (NaN included).
    /// A Linear layer y = x W^T + b is Gemm(false, true, rows, out, in, 1, x, in, 0, W, in, 0, 0, y, out, 0, 1, b).
    /// </summary>
    void Gemm(bool transA, bool transB, int m, int n, int k,
        float alpha, DeviceBuffer<float> a, int lda, long strideA,
        DeviceBuffer<float> b, int ldb, long strideB,
        float beta, DeviceBuffer<float> c, int ldc, long strideC,
        int batch = 1, DeviceBuffer<float>? bias = null, Activation activation = Activation.None);

    /// <summary>y[b, c] = beta * y[b, c] + alpha * sum_r x[b, r, c] for x (batch, rows, cols). Bias gradients.</summary>
    void SumRows(DeviceBuffer<float> x, DeviceBuffer<float> y, int batch, int rows, int cols, float alpha, float beta);

    /// <summary>dx[b, r, c] += alpha * dy[b, c]: the backward of <see cref="SumRows"/>.</summary>
    void BroadcastRows(DeviceBuffer<float> dy, DeviceBuffer<float> dx, int batch, int rows, int cols, float alpha);

    // ---- normalisation ------------------------------------------------------------------------

    /// <summary>
    /// y = (x - mean) * rstd * gamma + beta per row, rstd = 1/sqrt(var + eps), biased variance.
    /// mean and rstd (length rows) are saved for the backward when not null.
    /// </summary>
    void LayerNormForward(DeviceBuffer<float> x, DeviceBuffer<float> gamma, DeviceBuffer<float> beta,
        DeviceBuffer<float> y, DeviceBuffer<float>? mean, DeviceBuffer<float>? rstd, int rows, int cols, float eps);

    /// <summary>dx += ..., dgamma += ..., dbeta += ... from the saved mean and rstd.</summary>
    void LayerNormBackward(DeviceBuffer<float> dy, DeviceBuffer<float> x, DeviceBuffer<float> gamma,
        DeviceBuffer<float> mean, DeviceBuffer<float> rstd,
        DeviceBuffer<float> dx, DeviceBuffer<float> dgamma, DeviceBuffer<float> dbeta, int rows, int cols);

    /// <summary>y = x / max(|x|_2, eps) per row; norms[r] = |x_r| saved when not null.</summary>
    void L2NormalizeForward(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<float>? norms, int rows, int cols, float eps);

    /// <summary>dx += d(x / max(|x|, eps)) given y and the saved norms.</summary>
    void L2NormalizeBackward(DeviceBuffer<float> y, DeviceBuffer<float> norms, DeviceBuffer<float> dy,
        DeviceBuffer<float> dx, int rows, int cols, float eps);

    // ---- softmax and losses -------------------------------------------------------------------

    /// <summary>y = softmax(scale * x) per row.</summary>
    void SoftmaxForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int cols, float scale);

    /// <summary>dx += scale * y * (dy - sum(dy * y)) per row.</summary>
    void SoftmaxBackward(DeviceBuffer<float> y, DeviceBuffer<float> dy, DeviceBuffer<float> dx, int rows, int cols, float scale);

    /// <summary>loss[r] = -sum_c t[r, c] * log_softmax(scale * x[r])_c (soft targets).</summary>
    void SoftCrossEntropyForward(DeviceBuffer<float> logits, DeviceBuffer<float> targets, DeviceBuffer<float> loss,
        int rows, int cols, float scale);

    /// <summary>dlogits[r] += dloss[r] * scale * (sum(t[r]) * softmax(scale * x[r]) - t[r]).</summary>
    void SoftCrossEntropyBackward(DeviceBuffer<float> logits, DeviceBuffer<float> targets, DeviceBuffer<float> dloss,
        DeviceBuffer<float> dlogits, int rows, int cols, float scale);

    /// <summary>
    /// iBOT masked-patch loss over student and teacher prototype logits (batch, tokens, k).
    /// Targets t = softmax((teacher - center) / tauT) per token; per-token CE = -sum t * log_softmax(student / tauS).
    /// Per image: mean of the CE over its masked tokens (mask[b, n] = 1), 0 if it has none; or over all tokens
    /// when <paramref name="allPositions"/> (iBOT++). loss[0] = mean over images.
    /// </summary>
    void MaskedPatchLossForward(DeviceBuffer<float> student, DeviceBuffer<float> teacher, DeviceBuffer<float> center,
        DeviceBuffer<float> mask, DeviceBuffer<float> loss, int batch, int tokens, int k,
        float tauS, float tauT, bool allPositions);

    /// <summary>dstudent += dloss * d loss / d student (teacher is a constant).</summary>
    void MaskedPatchLossBackward(DeviceBuffer<float> student, DeviceBuffer<float> teacher, DeviceBuffer<float> center,
        DeviceBuffer<float> mask, float dloss, DeviceBuffer<float> dstudent, int batch, int tokens, int k,
        float tauS, float tauT, bool allPositions);

    /// <summary>center = momentum * center + (1 - momentum) * mean over rows of x (rows, k).</summary>
    void CenterUpdate(DeviceBuffer<float> x, DeviceBuffer<float> center, int rows, int k, float momentum);

    // ---- activations --------------------------------------------------------------------------

    /// <summary>y = f(x) elementwise (y may be x).</summary>
    void ActivationForward(Activation kind, DeviceBuffer<float> x, DeviceBuffer<float> y);

    /// <summary>dx += f'(x) * dy.</summary>
    void ActivationBackward(Activation kind, DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx);

    /// <summary>y[r, j] = silu(x[r, j]) * x[r, hidden + j] for x (rows, 2 * hidden), y (rows, hidden).</summary>
    void SwiGluForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int rows, int hidden);

    void SwiGluBackward(DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx, int rows, int hidden);

    // ---- residual with layer scale ------------------------------------------------------------

    /// <summary>x[r, c] += gamma[c] * r[r, c] (gamma null means 1).</summary>
    void ScaledResidualForward(DeviceBuffer<float> x, DeviceBuffer<float> residual, DeviceBuffer<float>? gamma, int rows, int cols);

    /// <summary>dresidual += gamma * dy; dgamma += sum_rows dy * residual (when gamma is not null).</summary>
    void ScaledResidualBackward(DeviceBuffer<float> dy, DeviceBuffer<float> residual, DeviceBuffer<float>? gamma,
        DeviceBuffer<float> dresidual, DeviceBuffer<float>? dgamma, int rows, int cols);

    // ---- attention ----------------------------------------------------------------------------

    /// <summary>
    /// Fused multi-head attention. qkv is (B, N, 3, H, Dh): each token row holds q | k | v, head-major inside
    /// each (the layout of a fused qkv Linear). out is (B, N, H * Dh). softmax(scale * q k^T) v, keys with
    /// keyMask[b, n] == 0 excluded; a query with no valid key gets zeros. lse (B, H, N), the log-sum-exp of
    /// the scaled scores, is saved for the backward when not null. No N x N matrix is stored.
    /// </summary>
    void AttentionForward(DeviceBuffer<float> qkv, DeviceBuffer<float> output, DeviceBuffer<float>? lse,
        int batch, int tokens, int heads, int headDim, float scale, DeviceBuffer<float>? keyMask);

    /// <summary>dqkv += gradient of the attention output given dout, from the saved out and lse.</summary>
    void AttentionBackward(DeviceBuffer<float> qkv, DeviceBuffer<float> output, DeviceBuffer<float> lse,
        DeviceBuffer<float> dout, DeviceBuffer<float> dqkv,
        int batch, int tokens, int heads, int headDim, float scale, DeviceBuffer<float>? keyMask);

    // ---- embeddings and images ----------------------------------------------------------------

    /// <summary>y[t, :] = scale * table[ids[t], :] for t &lt; count; y (count, dim).</summary>
    void EmbeddingForward(DeviceBuffer<float> table, DeviceBuffer<int> ids, DeviceBuffer<float> y, int count, int dim, float scale);

    /// <summary>dtable[ids[t], :] += scale * dy[t, :] (scatter-add; repeated ids accumulate).</summary>
    void EmbeddingBackward(DeviceBuffer<float> dy, DeviceBuffer<int> ids, DeviceBuffer<float> dtable, int count, int dim, float scale);

    /// <summary>
    /// Patch extraction for the stride-P conv: image (B, H, W, 3) channels-last to patches (B * H/P * W/P, 3 * P * P),
    /// patch rows row-major over the grid, columns ordered (channel, ky, kx) as a PyTorch Conv2d weight (D, 3, P, P).
    /// </summary>
    void PatchifyForward(DeviceBuffer<float> image, DeviceBuffer<float> patches, int batch, int height, int width, int patch);

    /// <summary>dimage += the inverse scatter of dpatches.</summary>
    void PatchifyBackward(DeviceBuffer<float> dpatches, DeviceBuffer<float> dimage, int batch, int height, int width, int patch);

    /// <summary>
    /// Separable bilinear resize with antialias (PyTorch interpolate(mode='bilinear', antialias=True,
    /// align_corners=False)), channels-last: x (B, Hin, Win, C) to y (B, Hout, Wout, C).
    /// </summary>
    void ResizeForward(DeviceBuffer<float> x, DeviceBuffer<float> y, int batch, int inH, int inW, int outH, int outW, int channels);

    /// <summary>dx += R^T dy for the same resize.</summary>
    void ResizeBackward(DeviceBuffer<float> dy, DeviceBuffer<float> dx, int batch, int inH, int inW, int outH, int outW, int channels);

    // ---- optimiser ----------------------------------------------------------------------------

    /// <summary>
    /// AdamW with decoupled weight decay: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    /// p -= lr * (mhat / (sqrt(vhat) + eps) + weightDecay * p), bias corrections for 1-based <paramref name="step"/>.
    /// </summary>
    void AdamW(DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m, DeviceBuffer<float> v,
        float lr, float beta1, float beta2, float eps, float weightDecay, int step);

    /// <summary>teacher = momentum * teacher + (1 - momentum) * student.</summary>
    void Ema(DeviceBuffer<float> teacher, DeviceBuffer<float> student, float momentum);
}
