using Tips.Tests.Reference;

namespace Tips.Tests.Kernels;

public abstract partial class OpTestsBase
{
    /// <summary>
    /// Key masks: none; or random padding with key 0 valid, and (with several images) the last image fully masked,
    /// whose queries must output zeros, lse -inf, and no gradient.
    /// </summary>
    private float[]? AttentionMask(int batch, int tokens, bool masked)
    {
        if (!masked) return null;
        var mask = new float[batch * tokens];
        for (int b = 0; b < batch; b++)
            for (int n = 0; n < tokens; n++)
                mask[b * tokens + n] = n == 0 || Rng.NextSingle() < 0.7f ? 1f : 0f;
        if (batch > 1) Array.Clear(mask, (batch - 1) * tokens, tokens);
        return mask;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AttentionForwardAndBackward(bool masked)
    {
        foreach (int dh in AttentionHeadDims)
            foreach (var (batch, tokens, heads) in AttentionShapes)
            {
                int width = heads * dh;
                float scale = 1f / MathF.Sqrt(dh);
                // q and k of size ~2 give peaked, non-uniform attention.
                var qkv = RandomFloats(batch * tokens * 3 * width, 2f);
                var mask = AttentionMask(batch, tokens, masked);
                var maskD = mask is null ? null : D(mask);
                var (outRef, lseRef) = RefAttention.Forward(D(qkv), batch, tokens, heads, dh, scale, maskD);
                using var qb = Upload(qkv);
                using var mb = mask is null ? null : Upload(mask);
                using var ob = Poisoned(batch * tokens * width);
                using var lb = Poisoned(batch * heads * tokens);
                Backend.AttentionForward(qb, ob, lb, batch, tokens, heads, dh, scale, mb);
                string shape = $"B{batch} N{tokens} H{heads} Dh{dh} masked {masked}";
                AssertClose($"Attention out {shape}", outRef, Download(ob), 2e-5, 1e-4);
                AssertClose($"Attention lse {shape}", lseRef, Download(lb), 2e-5, 1e-5);
                using var o2 = Poisoned(batch * tokens * width);
                Backend.AttentionForward(qb, o2, null, batch, tokens, heads, dh, scale, mb);
                AssertClose($"Attention out without lse {shape}", outRef, Download(o2), 2e-5, 1e-4);

                var dout = RandomFloats(batch * tokens * width);
                var d0 = RandomFloats(qkv.Length);
                using var gb = Upload(dout);
                using var db = Upload(d0);
                Backend.AttentionBackward(qb, ob, lb, gb, db, batch, tokens, heads, dh, scale, mb);
                AssertGradient($"Attention dqkv {shape}", RefAttention.Backward(D(qkv), D(dout), batch, tokens, heads, dh, scale, maskD),
                    d0, Download(db), 5e-5, 5e-4);
            }
    }
}
