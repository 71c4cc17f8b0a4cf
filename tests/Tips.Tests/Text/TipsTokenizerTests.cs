namespace Tips.Tests.Text;

using Tips.Model;
using Tips.Model.Text;

public class TipsTokenizerTests
{
    private static readonly string ModelPath = Path.Combine(Paths.Tiny, "tokenizer.model");

    private static string[] FixtureTexts() =>
        File.ReadAllText(Path.Combine(Paths.Tiny, "texts.txt")).Split('\n')[..6];

    [Fact]
    public void FixtureTextsGiveTheOfficialIds()
    {
        var texts = FixtureTexts();
        Assert.Equal("", texts[4]);
        var (shape, expected) = NpyTestReader.ReadInt32(Path.Combine(Paths.Tiny, "expected.npz"), "text/ids");
        Assert.Equal([6, 64], shape);

        var batch = TipsTokenizer.Load(ModelPath).Encode(texts);

        for (int b = 0; b < 6; b++)
            for (int t = 0; t < 64; t++)
            {
                Assert.True(expected[b * 64 + t] == batch.Ids[b, t], $"text {b} position {t}: expected {expected[b * 64 + t]}, got {batch.Ids[b, t]}");
                Assert.Equal(expected[b * 64 + t] == 0, batch.IsPadding[b, t]);
            }
    }

    [Fact]
    public void FixtureModelHasNoBosAndT5Layout()
    {
        var model = SentencePieceModel.Load(ModelPath);
        Assert.Equal(-1, model.BosId);
        Assert.Equal(1, model.EosId);
        Assert.Equal(2, model.UnkId);
        Assert.Equal(0, model.PadId);
        Assert.Equal(1000, model.VocabSize);
        Assert.Equal("\u2581a", model.IdToPiece(3));
        Assert.Equal("<unk>", model.IdToPiece(2));
        Assert.Equal(ModelType.Unigram, model.Proto.Trainer.ModelType);
        Assert.Equal("nmt_nfkc", model.Proto.Normalizer.Name);
        Assert.True(model.Proto.Normalizer.PrecompiledCharsmap.Length > 100_000);
    }

    [Fact]
    public void LowercasesAsciiLettersOnly()
    {
        Assert.Equal("abc xyz éÉ ß ÄÖ 12!", TipsTokenizer.LowercaseAscii("ABC xYz éÉ ß ÄÖ 12!"));
        var tok = TipsTokenizer.Load(ModelPath);
        var raw = tok.Model;
        Assert.Equal(raw.Encode("a red circle École"), tok.EncodeOne("A RED Circle École").TakeWhile(i => i != 0));
    }

    [Fact]
    public void TruncatesAndPadsPerSequence()
    {
        var tok = TipsTokenizer.Load(ModelPath);
        string longText = string.Join(' ', Enumerable.Repeat("a brown hen standing near a teapot", 20));
        var full = tok.Model.Encode(longText);
        Assert.True(full.Length > 64);
        var shortIds = tok.Model.Encode("a cat");
        var batch = tok.Encode([longText, "a cat", ""]);
        for (int t = 0; t < 64; t++)
        {
            Assert.Equal(full[t], batch.Ids[0, t]);
            Assert.False(batch.IsPadding[0, t]);
            Assert.Equal(t < shortIds.Length ? shortIds[t] : 0, batch.Ids[1, t]);
            Assert.Equal(t >= shortIds.Length, batch.IsPadding[1, t]);
            Assert.Equal(0, batch.Ids[2, t]);
            Assert.True(batch.IsPadding[2, t]);
        }
        var eight = new TipsTokenizer(tok.Model, 8).Encode(["a cat"]);
        Assert.Equal(8, eight.Ids.GetLength(1));
        Assert.Throws<TipsException>(() => new TipsTokenizer(tok.Model, 0));
    }

    [Fact]
    public void MissingFileIsTipsException()
    {
        var e = Assert.Throws<TipsException>(() => SentencePieceModel.Load(Path.Combine(Paths.Tiny, "no-such.model")));
        Assert.Contains("no-such.model", e.Message);
    }
}
