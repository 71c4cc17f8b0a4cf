using System.Text;
using Tips.Train.Data;

namespace Tips.Train.Eval;

/// <summary>
/// A small unigram SentencePiece model for the generated scenes' captions, so that a fresh checkout can train without
/// a tokenizer file: one piece per caption/prompt word ("▁red"), and every single character as a costly fallback, so
/// any text encodes (punctuation and unseen words become characters). Ids: 0 &lt;pad&gt; (the TIPS padding id), 1 &lt;unk&gt;.
/// </summary>
public static class SceneTokenizer
{
    private const string Space = "\u2581";

    /// <summary>The serialized ModelProto; words are collected from the captions of <paramref name="scenes"/> generated scenes.</summary>
    public static byte[] Build(int scenes = 2000)
    {
        var generator = new SceneGenerator(64, 64);
        var words = new SortedSet<string>(StringComparer.Ordinal);
        void Add(string text)
        {
            foreach (var w in Tips.Model.Text.TipsTokenizer.LowercaseAscii(text).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                words.Add(w.TrimEnd('.', ',', ':', ';', '!', '?'));
        }
        for (int i = 0; i < scenes; i++)
        {
            var e = generator.Generate(Split.Train, i).Example;
            Add(e.WebCaption);
            Add(e.SyntheticCaption);
        }
        foreach (var template in Tips.Model.Prompts.Segmentation.Append(Evaluator.ClassPrompt))
            foreach (var kind in Evaluator.KindNames) Add(Tips.Model.Prompts.Fill(template, kind));
        words.Remove("");
        var chars = new SortedSet<string>(StringComparer.Ordinal) { Space };
        for (char c = '!'; c < (char)127; c++) if (c is < 'A' or > 'Z') chars.Add(c.ToString());

        var proto = new MemoryStream();
        Piece(proto, "<pad>", 0, 3);
        Piece(proto, "<unk>", 0, 2);
        foreach (var w in words) Piece(proto, Space + w, -1, 1);
        foreach (var c in chars) Piece(proto, c, -20, 1);
        // trainer_spec: model_type 1 (unigram), unk 1, bos/eos none, pad 0.
        Message(proto, 2, m => { Varint(m, 3 << 3, 1); Varint(m, 40 << 3, 1); Varint(m, 41 << 3, -1); Varint(m, 42 << 3, -1); Varint(m, 43 << 3, 0); });
        // normalizer_spec: identity (no charsmap), dummy prefix, collapse and escape whitespace.
        Message(proto, 3, m => { Bytes(m, 1, "identity"u8); Varint(m, 3 << 3, 1); Varint(m, 4 << 3, 1); Varint(m, 5 << 3, 1); });
        return proto.ToArray();
    }

    private static void Piece(Stream s, string piece, float score, int type) => Message(s, 1, m =>
    {
        Bytes(m, 1, Encoding.UTF8.GetBytes(piece));
        m.WriteByte((2 << 3) | 5);
        m.Write(BitConverter.GetBytes(score));
        Varint(m, 3 << 3, type);
    });

    private static void Message(Stream s, int field, Action<Stream> body)
    {
        var inner = new MemoryStream();
        body(inner);
        Bytes(s, field, inner.ToArray());
    }

    private static void Bytes(Stream s, int field, ReadOnlySpan<byte> data)
    {
        Raw(s, (ulong)((field << 3) | 2));
        Raw(s, (ulong)data.Length);
        s.Write(data);
    }

    private static void Varint(Stream s, int key, long value)
    {
        Raw(s, (ulong)key);
        Raw(s, (ulong)value);
    }

    private static void Raw(Stream s, ulong v)
    {
        while (v >= 0x80)
        {
            s.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        s.WriteByte((byte)v);
    }
}
