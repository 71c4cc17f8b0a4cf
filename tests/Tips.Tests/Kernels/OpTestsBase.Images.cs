using Tips.Kernels;
using Tips.Tests.Reference;

namespace Tips.Tests.Kernels;

public abstract partial class OpTestsBase
{
    [Fact]
    public void EmbeddingForwardAndBackwardWithRepeatedIds()
    {
        foreach (var (count, dim) in RowShapes)
        {
            int vocab = 11;
            var ids = new int[count];
            for (int t = 0; t < count; t++) ids[t] = Rng.Next(vocab);
            if (count > 2) ids[2] = ids[0];
            var table = RandomFloats(vocab * dim);
            using var tb = Upload(table);
            using var ib = Backend.AllocateInt(count);
            Backend.Upload<int>(ids, ib);
            using var yb = Poisoned(count * dim);
            Backend.EmbeddingForward(tb, ib, yb, count, dim, 1.5f);
            string shape = $"{count}x{dim}";
            AssertClose($"Embedding y {shape}", RefEmbedding.Forward(D(table), ids, dim, 1.5), Download(yb), 0, 1e-7);

            var dy = RandomFloats(count * dim);
            var d0 = RandomFloats(vocab * dim);
            using var dyb = Upload(dy);
            using var db = Upload(d0);
            Backend.EmbeddingBackward(dyb, ib, db, count, dim, 1.5f);
            AssertGradient($"Embedding dtable {shape}", RefEmbedding.Backward(D(dy), ids, vocab, dim, 1.5), d0, Download(db), 1e-6, 1e-5);
        }
    }

    [Fact]
    public void EmbeddingRejectsAnIdOutsideTheTable()
    {
        using var table = Upload(RandomFloats(4 * 3));
        using var ids = Backend.AllocateInt(2);
        Backend.Upload<int>([1, 4], ids);
        using var y = Poisoned(2 * 3);
        var e = Assert.Throws<BackendException>(() => Backend.EmbeddingForward(table, ids, y, 2, 3, 1f));
        Assert.Contains("4", e.Message);
        Backend.Upload<int>([-1, 0], ids);
        Assert.Throws<BackendException>(() => Backend.EmbeddingBackward(y, ids, table, 2, 3, 1f));
    }

    [Fact]
    public void PatchifyForwardAndBackward()
    {
        foreach (var (batch, height, width, p) in PatchifyShapes)
        {
            int patches = batch * (height / p) * (width / p) * 3 * p * p;
            var image = RandomFloats(batch * height * width * 3);
            using var ib = Upload(image);
            using var pb = Poisoned(patches);
            Backend.PatchifyForward(ib, pb, batch, height, width, p);
            string shape = $"B{batch} {height}x{width} P{p}";
            AssertClose($"Patchify {shape}", RefPatchify.Forward(D(image), batch, height, width, p), Download(pb), 0, 0);

            var dp = RandomFloats(patches);
            var d0 = RandomFloats(image.Length);
            using var dpb = Upload(dp);
            using var db = Upload(d0);
            Backend.PatchifyBackward(dpb, db, batch, height, width, p);
            AssertGradient($"Patchify dimage {shape}", RefPatchify.Backward(D(dp), batch, height, width, p), d0, Download(db), 0, 1e-7);
        }
    }

    [Fact]
    public void PatchifyRejectsAnImageThatIsNotWholePatches()
    {
        using var image = Upload(RandomFloats(15 * 14 * 3));
        using var patches = Poisoned(3 * 14 * 14);
        var e = Assert.Throws<BackendException>(() => Backend.PatchifyForward(image, patches, 1, 15, 14, 14));
        Assert.Contains("15x14", e.Message);
    }

    [Fact]
    public void ResizeForwardAndBackward()
    {
        foreach (var (batch, inH, inW, outH, outW, c) in ResizeShapes)
        {
            var x = RandomFloats(batch * inH * inW * c);
            using var xb = Upload(x);
            using var yb = Poisoned(batch * outH * outW * c);
            Backend.ResizeForward(xb, yb, batch, inH, inW, outH, outW, c);
            string shape = $"B{batch} {inH}x{inW} -> {outH}x{outW} C{c}";
            AssertClose($"Resize {shape}", RefResize.Forward(D(x), batch, inH, inW, outH, outW, c), Download(yb), 1e-6, 1e-5);

            var dy = RandomFloats(batch * outH * outW * c);
            var d0 = RandomFloats(x.Length);
            using var dyb = Upload(dy);
            using var db = Upload(d0);
            Backend.ResizeBackward(dyb, db, batch, inH, inW, outH, outW, c);
            AssertGradient($"Resize dx {shape}", RefResize.Backward(D(dy), batch, inH, inW, outH, outW, c), d0, Download(db), 1e-6, 1e-5);
        }
    }

    [Fact]
    public void AnUndersizedBufferIsABackendError()
    {
        using var x = Upload(RandomFloats(6 * 8));
        using var gamma = Upload(RandomFloats(8));
        using var y = Poisoned(5 * 8);
        var e = Assert.Throws<BackendException>(() => Backend.LayerNormForward(x, gamma, gamma, y, null, null, 6, 8, 1e-6f));
        Assert.Contains("y", e.Message);
    }
}
