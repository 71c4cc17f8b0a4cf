namespace Tips.Model.Text;

/// <summary>spm's char model: one piece per character (user-defined symbols whole), looked up by PieceToId.</summary>
internal sealed class CharModel(Vocabulary vocab)
{
    public List<Segment> Encode(ReadOnlySpan<byte> normalized)
    {
        var result = new List<Segment>();
        for (int pos = 0; pos < normalized.Length;)
        {
            int user = vocab.UserDefined.IsEmpty ? 0 : vocab.UserDefined.LongestPrefix(normalized[pos..]);
            int len = user > 0 ? user : Math.Min(normalized.Length - pos, SpmUtf8.OneCharLen(normalized[pos]));
            result.Add(new Segment(pos, len, vocab.PieceToId(normalized.Slice(pos, len))));
            pos += len;
        }
        return result;
    }
}

/// <summary>
/// spm's word model: split before each U+2581 and look each word up. spm 0.1.97 (the reference) splits this way
/// even with treat_whitespace_as_suffix.
/// </summary>
internal sealed class WordModel(Vocabulary vocab)
{
    public List<Segment> Encode(ReadOnlySpan<byte> normalized)
    {
        var result = new List<Segment>();
        ReadOnlySpan<byte> space = [0xE2, 0x96, 0x81];
        int start = 0;
        for (int pos = 0; pos < normalized.Length;)
        {
            int len = Math.Min(normalized.Length - pos, SpmUtf8.OneCharLen(normalized[pos]));
            if (pos > start && normalized.Slice(pos, len).SequenceEqual(space))
            {
                result.Add(new Segment(start, pos - start, vocab.PieceToId(normalized[start..pos])));
                start = pos;
            }
            pos += len;
        }
        if (start < normalized.Length) result.Add(new Segment(start, normalized.Length - start, vocab.PieceToId(normalized[start..])));
        return result;
    }
}
