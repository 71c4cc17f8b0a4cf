using Tips.Tests.Reference;

namespace Tips.Tests.Kernels;

public abstract partial class OpTestsBase
{
    [Fact]
    public void SoftCrossEntropyForwardAndBackward()
    {
        foreach (var (rows, cols) in RowShapes)
        {
            var logits = RandomFloats(rows * cols, 3f);
            var targets = RandomFloats(rows * cols, 0.5f, 0.5f);
            var dloss = RandomFloats(rows);
            using var lb = Upload(logits);
            using var tb = Upload(targets);
            using var loss = Poisoned(rows);
            Backend.SoftCrossEntropyForward(lb, tb, loss, rows, cols, 2.5f);
            string shape = $"{rows}x{cols}";
            AssertClose($"SoftCrossEntropy loss {shape}", RefLosses.SoftCrossEntropyForward(D(logits), D(targets), rows, cols, 2.5),
                Download(loss), 1e-4, 1e-5);

            var d0 = RandomFloats(rows * cols);
            using var dlb = Upload(dloss);
            using var db = Upload(d0);
            Backend.SoftCrossEntropyBackward(lb, tb, dlb, db, rows, cols, 2.5f);
            AssertGradient($"SoftCrossEntropy dlogits {shape}", RefLosses.SoftCrossEntropyBackward(D(logits), D(targets), D(dloss), rows, cols, 2.5),
                d0, Download(db), 1e-5, 1e-4);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MaskedPatchLossForwardAndBackward(bool allPositions)
    {
        foreach (var (batch, tokens, k) in PatchLossShapes)
        {
            var student = RandomFloats(batch * tokens * k, 0.5f);
            var teacher = RandomFloats(batch * tokens * k, 0.5f);
            var center = RandomFloats(k, 0.1f);
            var mask = new float[batch * tokens];
            for (int i = 0; i < mask.Length; i++) mask[i] = Rng.NextSingle() < 0.75f ? 1f : 0f;
            mask[0] = 1f;
            // With several images, the second has no masked patch: it contributes 0 but still counts.
            if (batch > 1) Array.Clear(mask, tokens, tokens);
            using var sb = Upload(student);
            using var tb = Upload(teacher);
            using var cb = Upload(center);
            using var mb = Upload(mask);
            using var loss = Poisoned(1);
            Backend.MaskedPatchLossForward(sb, tb, cb, mb, loss, batch, tokens, k, 0.1f, 0.04f, allPositions);
            string shape = $"{batch}x{tokens}x{k} allPositions {allPositions}";
            AssertClose($"MaskedPatchLoss {shape}",
                [RefLosses.MaskedPatchLossForward(D(student), D(teacher), D(center), D(mask), batch, tokens, k, 0.1, 0.04, allPositions)],
                Download(loss), 1e-4, 1e-5);

            var d0 = RandomFloats(batch * tokens * k);
            using var db = Upload(d0);
            Backend.MaskedPatchLossBackward(sb, tb, cb, mb, 1.7f, db, batch, tokens, k, 0.1f, 0.04f, allPositions);
            AssertGradient($"MaskedPatchLoss dstudent {shape}",
                RefLosses.MaskedPatchLossBackward(D(student), D(teacher), D(center), D(mask), 1.7, batch, tokens, k, 0.1, 0.04, allPositions),
                d0, Download(db), 1e-5, 1e-4);
        }
    }

    [Fact]
    public void CenterUpdate()
    {
        foreach (var (rows, cols) in RowShapes)
        {
            var x = RandomFloats(rows * cols, 2f);
            var center = RandomFloats(cols);
            using var xb = Upload(x);
            using var cb = Upload(center);
            Backend.CenterUpdate(xb, cb, rows, cols, 0.9f);
            AssertClose($"CenterUpdate {rows}x{cols}", RefLosses.CenterUpdate(D(x), D(center), rows, cols, 0.9), Download(cb), 1e-6, 1e-5);
        }
    }
}
