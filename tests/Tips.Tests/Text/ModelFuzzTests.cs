using Tips.Model;
using Tips.Model.Text;

namespace Tips.Tests.Text;

/// <summary>Hostile model files: every failure must be one TipsException (no crash, no hang, no huge allocation).</summary>
public class ModelFuzzTests
{
    private static readonly byte[] Original = File.ReadAllBytes(Path.Combine(Paths.Tiny, "tokenizer.model"));

    private static readonly string[] Probes = ["a photo of a cat", "École über café — 42!", "  中文 😀 \t x  "];

    /// <summary>Loads and encodes; returns whether the mutated model was accepted.</summary>
    private static bool LoadsOrThrowsTipsException(byte[] data, string label)
    {
        try
        {
            var model = SentencePieceModel.FromBytes(data, label);
            foreach (var p in Probes)
                Assert.All(model.Encode(p), id => Assert.InRange(id, 0, model.VocabSize - 1));
            return true;
        }
        catch (TipsException e)
        {
            Assert.StartsWith(label, e.Message);
            Assert.DoesNotContain('\n', e.Message);
            return false;
        }
    }

    [Fact]
    public void MutatedModelsFailOnlyWithTipsException()
    {
        var rng = new Random(7);
        // Pieces and specs sit before the 237 kB charsmap; aim half the mutations there.
        int headerEnd = Original.Length - 237_600;
        int accepted = 0, rejected = 0;
        for (int i = 0; i < 2000; i++)
        {
            var data = (byte[])Original.Clone();
            int region = rng.Next(2) == 0 ? headerEnd : data.Length;
            switch (i % 4)
            {
                case 0:
                    for (int k = rng.Next(1, 9); k > 0; k--) data[rng.Next(region)] = (byte)rng.Next(256);
                    break;
                case 1:
                    data = data[..rng.Next(region)];
                    break;
                case 2:
                    {
                        int at = rng.Next(region);
                        var junk = new byte[rng.Next(1, 12)];
                        rng.NextBytes(junk);
                        data = [.. data[..at], .. junk, .. data[at..]];
                        break;
                    }
                default:
                    {
                        // A run of 0xFF makes varints and lengths huge.
                        int at = rng.Next(region - 12);
                        data.AsSpan(at, rng.Next(1, 12)).Fill(0xFF);
                        break;
                    }
            }
            if (LoadsOrThrowsTipsException(data, $"mutant {i}")) accepted++;
            else rejected++;
        }
        // Both outcomes must occur, or the mutations test nothing.
        Assert.True(accepted > 100 && rejected > 100, $"accepted {accepted}, rejected {rejected}");
    }

    [Fact]
    public void CorruptCharsmapTrieFailsAtEncode()
    {
        var proto = ModelProto.Parse(Original, "m");
        // Offsets in every unit point far outside the 8-unit trie.
        var blob = new byte[4 + 32 + 4];
        BitConverter.GetBytes(32u).CopyTo(blob, 0);
        for (int u = 0; u < 8; u++) BitConverter.GetBytes(0xFFFF_FC00u).CopyTo(blob, 4 + 4 * u);
        var bad = ProtoWriter.Model(proto with { Normalizer = proto.Normalizer with { PrecompiledCharsmap = blob } });
        var model = SentencePieceModel.FromBytes(bad, "bad charsmap");
        var e = Assert.Throws<TipsException>(() => model.Encode("a"));
        Assert.Contains("precompiled_charsmap", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F }, "exceeds")]
    [InlineData(new byte[] { 0x0A }, "truncated varint")]
    [InlineData(new byte[] { 0x38, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02 }, "overflows")]
    [InlineData(new byte[] { 0x0B }, "wire type 3")]
    [InlineData(new byte[] { 0x00 }, "field number 0")]
    [InlineData(new byte[] { 0x08, 0x01 }, "wire type 0, expected 2")]
    [InlineData(new byte[] { 0x3D, 0x00, 0x00 }, "truncated fixed32")]
    [InlineData(new byte[] { 0x39, 0x00 }, "truncated fixed64")]
    [InlineData(new byte[] { 0x0A, 0x02, 0x18, 0x09 }, "unknown piece type 9")]
    [InlineData(new byte[] { 0x0A, 0x02, 0x18, 0x02 }, "piece 0 is empty")]
    [InlineData(new byte[] { 0x12, 0x02, 0x18, 0x07 }, "unknown model_type 7")]
    [InlineData(new byte[] { }, "no unknown piece")]
    public void MalformedProtobufIsTipsException(byte[] data, string expected)
    {
        var e = Assert.Throws<TipsException>(() => SentencePieceModel.FromBytes(data, "x.model"));
        Assert.StartsWith("x.model", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void InconsistentVocabulariesAreRejected()
    {
        var proto = ModelProto.Parse(Original, "m");
        var pieces = proto.Pieces.ToList();
        void Rejects(ModelProto p, string expected)
        {
            var e = Assert.Throws<TipsException>(() => SentencePieceModel.FromBytes(ProtoWriter.Model(p), "v"));
            Assert.Contains(expected, e.Message);
        }
        Rejects(proto with { Pieces = [.. pieces, pieces[5]] }, "defined twice");
        Rejects(proto with { Pieces = [.. pieces, new SentencePiece("<x>"u8.ToArray(), 0, PieceType.Unknown)] }, "two unknown pieces");
        Rejects(proto with { Pieces = [.. pieces, new SentencePiece("<0x41>"u8.ToArray(), 0, PieceType.Byte)] }, "byte_fallback is false");
        Rejects(proto with { Trainer = proto.Trainer with { ByteFallback = true } }, "<0x00> is missing");
        Rejects(proto with { Trainer = proto.Trainer with { EosId = 1000 } }, "eos_id 1000");
        Rejects(proto with { Normalizer = proto.Normalizer with { PrecompiledCharsmap = [1, 0, 0, 0] } }, "broken");
        Rejects(proto with { Normalizer = proto.Normalizer with { PrecompiledCharsmap = [9, 0, 0, 0, 1, 2] } }, "exceeds the blob");
    }
}
