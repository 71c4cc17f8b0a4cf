using System.IO.Compression;
using Tips.Model.Checkpoints;

namespace Tips.Tests.Checkpoints;

/// <summary>The shared fixtures load with the keys, shapes and dtypes the fixture README documents, and with
/// the exact bytes stored in the archives.</summary>
public class FixtureCheckpointTests
{
    private static string Tiny(string name) => Path.Combine(Paths.Tiny, name);

    [Fact]
    public void VisionNpzHasTheOfficialKeysAndShapes()
    {
        var sd = StateDict.LoadNpz(Tiny("vision.npz"));
        Assert.Equal(36, sd.Count);
        Assert.All(sd, kv => Assert.Equal(DType.F32, kv.Value.DType));
        Assert.Equal(["cls_token", "pos_embed", "register_tokens", "mask_token", "patch_embed.proj.weight", "patch_embed.proj.bias"], sd.Keys.Take(6));
        Assert.Equal([1, 17, 64], sd["pos_embed"].Shape);
        Assert.Equal([64, 3, 14, 14], sd["patch_embed.proj.weight"].Shape);
        Assert.Equal([192, 64], sd["blocks.1.attn.qkv.weight"].Shape);
        Assert.Equal([256, 64], sd["blocks.0.mlp.fc1.weight"].Shape);
        Assert.Equal([64, 256], sd["blocks.1.mlp.fc2.weight"].Shape);
        Assert.Equal([64], sd["blocks.1.ls2.gamma"].Shape);
        Assert.Equal(["norm.weight", "norm.bias"], sd.Keys.TakeLast(2));
    }

    [Fact]
    public void TextNpzHasA0dTemperature()
    {
        var sd = StateDict.LoadNpz(Tiny("text.npz"));
        Assert.Equal(28, sd.Count);
        var t = sd["temperature"];
        Assert.Empty(t.Shape);
        Assert.Equal(1, t.Length);
        Assert.True(t.ScalarValue > 0 && float.IsFinite(t.ScalarValue));
        Assert.Equal([1000, 64], sd["token_embedding.weight"].Shape);
        Assert.Equal([192, 64], sd["transformer.resblocks.1.attn.in_proj_weight"].Shape);
        Assert.Equal([256, 64], sd["transformer.resblocks.0.mlp.c_fc.weight"].Shape);
        Assert.Equal([64], sd["ln_final.bias"].Shape);
    }

    [Fact]
    public void ExpectedNpzHoldsInt32Ids()
    {
        var sd = StateDict.LoadNpz(Tiny("expected.npz"));
        Assert.Equal(9, sd.Count);
        var ids = sd["text/ids"];
        Assert.Equal(DType.I32, ids.DType);
        Assert.Equal([6, 64], ids.Shape);
        Assert.All(ids.Ints, id => Assert.InRange(id, 0, 999));
        // The fifth text is empty: all padding.
        Assert.All(ids.Ints.Skip(4 * 64).Take(64), id => Assert.Equal(0, id));
        Assert.Contains(ids.Ints.Take(64), id => id != 0);
        Assert.Equal([1, 4, 4, 64], sd["56x56/patch_tokens"].Shape);
        Assert.Equal([1, 3, 5, 64], sd["42x70/patch_tokens"].Shape);
        Assert.Equal([1, 64], sd["42x70/cls2"].Shape);
        Assert.Equal([6, 64], sd["text/embeddings"].Shape);
        Assert.Equal([1, 6], sd["zeroshot/cls1_vs_texts"].Shape);
        Assert.Equal(1.0, sd["zeroshot/cls1_vs_texts"].Floats.Sum(x => (double)x), 5);
    }

    [Fact]
    public void GradsNpzIsDeflatedAndComplete()
    {
        var sd = StateDict.LoadNpz(Tiny("grads.npz"));
        Assert.Equal(220, sd.Count);
        foreach (var image in new[] { "56x56", "42x70" })
        {
            Assert.Equal(DType.F64, sd[$"{image}/objective/value"].DType);
            Assert.Empty(sd[$"{image}/objective/value"].Shape);
            Assert.False(sd.Contains($"{image}/vision/mask_token"));
            Assert.Equal([64, 3, 14, 14], sd[$"{image}/vision/patch_embed.proj.weight"].Shape);
        }
        Assert.Equal([1, 56, 56, 3], sd["56x56/input"].Shape);
        Assert.Equal([1, 42, 70, 3], sd["42x70/input"].Shape);
        Assert.False(sd.Contains("text4/objective/r_embedding"));
        foreach (var i in new[] { 0, 1, 2, 3, 5 })
            Assert.Equal([1000, 64], sd[$"text{i}/text/token_embedding.weight"].Shape);
    }

    [Theory]
    [InlineData("vision.npz")]
    [InlineData("text.npz")]
    [InlineData("grads.npz")]
    public void ElementsEqualTheRawArchiveBytes(string file)
    {
        var sd = StateDict.LoadNpz(Tiny(file));
        using var zip = ZipFile.OpenRead(Tiny(file));
        int nonZero = 0;
        foreach (var entry in zip.Entries)
        {
            var raw = RawData(entry, out var itemSize);
            var values = sd[entry.FullName[..^4]].Floats;
            Assert.Equal(raw.Length / itemSize, values.Length);
            for (int i = 0; i < values.Length; i++)
            {
                float expected = itemSize == 4 ? BitConverter.ToSingle(raw, 4 * i) : (float)BitConverter.ToDouble(raw, 8 * i);
                if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(values[i]))
                    Assert.Fail($"{entry.FullName}[{i}]: read {values[i]}, archive holds {expected}");
                if (expected != 0) nonZero++;
            }
        }
        Assert.True(nonZero > 1000);
    }

    [Theory]
    [InlineData("vision.npz")]
    [InlineData("expected.npz")]
    [InlineData("grads.npz")]
    public void ReadShapesMatchesAFullLoad(string file)
    {
        var full = StateDict.LoadNpz(Tiny(file)).Shapes();
        var headers = StateDict.ReadShapes(Tiny(file));
        Assert.Equal(full.Keys, headers.Keys);
        foreach (var (k, shape) in full) Assert.Equal(shape, headers[k]);
    }

    /// <summary>Member data after a v1 header, parsed without the library's reader.</summary>
    private static byte[] RawData(ZipArchiveEntry entry, out int itemSize)
    {
        using var s = entry.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        var b = ms.ToArray();
        Assert.Equal(1, b[6]);
        int start = 10 + (b[8] | (b[9] << 8));
        var header = System.Text.Encoding.ASCII.GetString(b, 10, start - 10);
        itemSize = header.Contains("'<f8'") ? 8 : 4;
        return b[start..];
    }
}
