namespace Tips.Model.Text;

/// <summary>A piece of the normalised input: byte range and vocabulary id.</summary>
internal readonly record struct Segment(int Start, int Length, int Id);

/// <summary>
/// Unigram segmentation: the best-scoring path over the piece trie (spm's EncodeOptimized, including its
/// float/double arithmetic and tie-breaking, so ids match the reference exactly).
/// </summary>
internal sealed class UnigramModel(Vocabulary vocab)
{
    // spm's kUnkPenalty: an unknown character costs 10 below the worst normal piece.
    private const float UnkPenalty = 10.0f;

    private readonly float _unkScore = vocab.MinNormalScore - UnkPenalty;

    public List<Segment> Encode(ReadOnlySpan<byte> normalized)
    {
        int size = normalized.Length;
        var result = new List<Segment>();
        if (size == 0) return result;
        var bestScore = new float[size + 1];
        var startsAt = new int[size + 1];
        var ids = new int[size + 1];
        Array.Fill(startsAt, -1);

        for (int start = 0; start < size;)
        {
            float tillHere = bestScore[start];
            bool hasSingleNode = false;
            int charLen = Math.Min(SpmUtf8.OneCharLen(normalized[start]), size - start);
            int node = PieceTrie.Root;
            for (int pos = start; pos < size;)
            {
                node = vocab.Pieces.Step(node, normalized[pos++]);
                if (node < 0) break;
                int id = vocab.Pieces.Value(node);
                if (id < 0 || vocab.Types[id] == PieceType.Unused) continue;
                int length = pos - start;
                // spm types this score as double (the ternary mixes float and double); user-defined
                // pieces get length * max_score - 0.1 so they always win.
                double score = vocab.Types[id] == PieceType.UserDefined ? length * vocab.MaxNormalScore - 0.1 : vocab.Scores[id];
                double candidate = score + tillHere;
                if (startsAt[pos] == -1 || candidate > bestScore[pos])
                {
                    bestScore[pos] = (float)candidate;
                    startsAt[pos] = start;
                    ids[pos] = id;
                }
                if (length == charLen) hasSingleNode = true;
            }
            if (!hasSingleNode)
            {
                int end = start + charLen;
                float candidate = _unkScore + tillHere;
                if (startsAt[end] == -1 || candidate > bestScore[end])
                {
                    bestScore[end] = candidate;
                    startsAt[end] = start;
                    ids[end] = vocab.UnkId;
                }
            }
            start += charLen;
        }

        for (int end = size; end > 0; end = startsAt[end])
            result.Add(new Segment(startsAt[end], end - startsAt[end], ids[end]));
        result.Reverse();
        return result;
    }
}
