using Tips.Model.Text;
using Tips.Train.Data;
using Tips.Train.Eval;

namespace Tips.Tests.Eval;

public class SceneTokenizerTests
{
    [Fact]
    public void CaptionWordsAreOnePieceAndAnyTextEncodes()
    {
        var model = SentencePieceModel.FromBytes(SceneTokenizer.Build(scenes: 50));
        var tokenizer = new TipsTokenizer(model);
        var caption = new SceneGenerator(48, 48).Generate(Split.Test, 3).Example.SyntheticCaption;
        var ids = model.Encode(TipsTokenizer.LowercaseAscii(caption));
        Assert.DoesNotContain(model.UnkId, ids);
        Assert.Equal(caption.ToLowerInvariant(), string.Concat(ids.Select(model.IdToPiece)).Replace('\u2581', ' ').TrimStart());
        Assert.Equal(new[] { "\u2581a", "\u2581red", "\u2581circle", "." }, model.Encode("a red circle.").Select(model.IdToPiece));
        // An unseen word falls back to characters, never to <unk>; padding is id 0.
        Assert.DoesNotContain(model.UnkId, model.Encode("zebra42"));
        var row = tokenizer.EncodeOne("a red circle.");
        Assert.Equal(64, row.Length);
        Assert.Equal(0, row[^1]);
        Assert.Equal(0, model.PadId);
    }
}
