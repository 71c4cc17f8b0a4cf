using Tips.Kernels;

namespace Tips.Model.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Multi-head attention over a fused qkv (B, N, 3D) (rows q | k | v, head-major inside each) to (B, N, D),
    /// softmax(q k^T / sqrt(Dh)) v. Keys with keyMask[b, n] == 0 (B, N) are excluded; no causal mask.
    /// </summary>
    public static Tensor Attention(this Tape tape, Tensor qkv, int heads, DeviceBuffer<float>? keyMask)
    {
        if (qkv.Rank != 3 || qkv.Shape[2] % (3 * heads) != 0)
            throw new TipsException($"attention: qkv {qkv} is not (B, N, 3 * {heads} heads * Dh)");
        int batch = qkv.Shape[0], tokens = qkv.Shape[1], width = qkv.Shape[2] / 3, headDim = width / heads;
        // PyTorch scales by head_dim ** -0.5, computed in double.
        float scale = (float)(1.0 / Math.Sqrt(headDim));
        bool track = tape.Tracks(qkv);
        var y = tape.NewTensor([batch, tokens, width], track);
        var lse = track ? tape.NewBuffer((long)batch * heads * tokens) : null;
        var be = tape.Backend;
        be.AttentionForward(qkv.Data, y.Data, lse, batch, tokens, heads, headDim, scale, keyMask);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            be.AttentionBackward(qkv.Data, y.Data, lse!, dy, qkv.EnsureGrad(), batch, tokens, heads, headDim, scale, keyMask);
        });
        return y;
    }
}
