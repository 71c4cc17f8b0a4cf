namespace Tips.Model.Text;

/// <summary>
/// BPE segmentation as spm's bpe_model.cc: start from characters (user-defined symbols frozen whole), repeatedly
/// merge the adjacent pair whose concatenation is the highest-scoring piece (ties: leftmost), then split any
/// unused piece back into the two symbols it was merged from.
/// </summary>
internal sealed class BpeModel(Vocabulary vocab)
{
    private struct Symbol
    {
        public int Prev, Next, Start, Length;
        public bool Freeze;
    }

    private readonly record struct Pair(int Left, int Right, float Score, int Size);

    // Max-heap order: higher score first, then the smaller left index.
    private sealed class PairOrder : IComparer<Pair>
    {
        public static readonly PairOrder Instance = new();

        public int Compare(Pair a, Pair b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Left.CompareTo(b.Left);
    }

    public List<Segment> Encode(ReadOnlySpan<byte> normalized)
    {
        var result = new List<Segment>();
        if (normalized.IsEmpty) return result;
        var symbols = new List<Symbol>();
        for (int pos = 0; pos < normalized.Length;)
        {
            int user = vocab.UserDefined.IsEmpty ? 0 : vocab.UserDefined.LongestPrefix(normalized[pos..]);
            int len = user > 0 ? user : Math.Min(normalized.Length - pos, SpmUtf8.OneCharLen(normalized[pos]));
            int index = symbols.Count;
            symbols.Add(new Symbol { Prev = index - 1, Next = pos + len < normalized.Length ? index + 1 : -1, Start = pos, Length = len, Freeze = user > 0 });
            pos += len;
        }

        var agenda = new PriorityQueue<Pair, Pair>(PairOrder.Instance);
        // Unused pieces formed by a merge, mapped to the two symbols they came from.
        var reverseMerge = new Dictionary<int, ((int Start, int Length) Left, (int Start, int Length) Right)>();
        var input = normalized.ToArray();

        void MaybeAdd(int left, int right)
        {
            if (left == -1 || right == -1 || symbols[left].Freeze || symbols[right].Freeze) return;
            var l = symbols[left];
            var r = symbols[right];
            int id = vocab.Pieces.Find(input.AsSpan(l.Start, l.Length + r.Length));
            if (id < 0) return;
            var pair = new Pair(left, right, vocab.Scores[id], l.Length + r.Length);
            agenda.Enqueue(pair, pair);
            if (vocab.Types[id] == PieceType.Unused)
                reverseMerge[id] = ((l.Start, l.Length), (r.Start, r.Length));
        }

        for (int i = 1; i < symbols.Count; i++) MaybeAdd(i - 1, i);
        while (agenda.TryDequeue(out var top, out _))
        {
            var left = symbols[top.Left];
            var right = symbols[top.Right];
            // Stale entry: one side was merged away since it was queued.
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != top.Size) continue;
            left.Length += right.Length;
            left.Next = right.Next;
            symbols[top.Left] = left;
            if (right.Next >= 0)
            {
                var next = symbols[right.Next];
                next.Prev = top.Left;
                symbols[right.Next] = next;
            }
            right.Length = 0;
            symbols[top.Right] = right;
            MaybeAdd(left.Prev, top.Left);
            MaybeAdd(top.Left, left.Next);
        }

        // Each split yields two strictly shorter pieces, so the recursion ends.
        void Resegment(int start, int length)
        {
            int id = vocab.PieceToId(input.AsSpan(start, length));
            if (vocab.Types[id] != PieceType.Unused || !reverseMerge.TryGetValue(id, out var halves))
            {
                result.Add(new Segment(start, length, id));
                return;
            }
            Resegment(halves.Left.Start, halves.Left.Length);
            Resegment(halves.Right.Start, halves.Right.Length);
        }

        for (int index = 0; index != -1; index = symbols[index].Next)
            Resegment(symbols[index].Start, symbols[index].Length);
        return result;
    }
}
