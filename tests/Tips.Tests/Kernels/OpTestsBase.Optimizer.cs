using Tips.Tests.Reference;

namespace Tips.Tests.Kernels;

public abstract partial class OpTestsBase
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void AdamWMatchesTorch(int step)
    {
        foreach (int n in Lengths)
        {
            var p = RandomFloats(n);
            var g = RandomFloats(n, 0.1f);
            var m = RandomFloats(n, 0.01f);
            // v is a running mean of squares: non-negative.
            var v = Array.ConvertAll(RandomFloats(n, 1e-3f), a => a * a);
            // The reference gets the hyperparameters as the float32 values the backend receives.
            var (pr, mr, vr) = RefOptimizer.AdamW(D(p), D(g), D(m), D(v), 1e-2f, 0.9f, 0.999f, 1e-8f, 0.05f, step);
            using var pb = Upload(p);
            using var gb = Upload(g);
            using var mb = Upload(m);
            using var vb = Upload(v);
            Backend.AdamW(pb, gb, mb, vb, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.05f, step);
            AssertClose($"AdamW p {n} step {step}", pr, Download(pb), 1e-6, 1e-5);
            AssertClose($"AdamW m {n} step {step}", mr, Download(mb), 1e-9, 1e-5);
            AssertClose($"AdamW v {n} step {step}", vr, Download(vb), 1e-12, 1e-5);
        }
    }

    [Fact]
    public void Ema()
    {
        foreach (int n in Lengths)
        {
            var t = RandomFloats(n);
            var s = RandomFloats(n);
            using var tb = Upload(t);
            using var sb = Upload(s);
            Backend.Ema(tb, sb, 0.996f);
            AssertClose($"Ema {n}", RefOptimizer.Ema(D(t), D(s), 0.996), Download(tb), 1e-7, 1e-6);
        }
    }
}
