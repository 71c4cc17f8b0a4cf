namespace Tips.Model.Text;

/// <summary>
/// A byte trie from piece bytes to piece id: edges in one hash map keyed by (node, byte), so walking it
/// byte by byte is the Viterbi inner loop and prefix matching for user-defined symbols.
/// </summary>
internal sealed class PieceTrie
{
    public const int Root = 0;

    private readonly Dictionary<long, int> _edges = [];
    private readonly List<int> _values = [-1];

    public bool IsEmpty => _values.Count == 1;

    /// <summary>Adds a piece; false if it is already present.</summary>
    public bool Add(ReadOnlySpan<byte> key, int id)
    {
        int node = Root;
        foreach (byte b in key)
        {
            long edge = ((long)node << 8) | b;
            if (!_edges.TryGetValue(edge, out int next))
            {
                next = _values.Count;
                _values.Add(-1);
                _edges.Add(edge, next);
            }
            node = next;
        }
        if (_values[node] >= 0) return false;
        _values[node] = id;
        return true;
    }

    /// <summary>The child of <paramref name="node"/> along byte <paramref name="b"/>, or -1.</summary>
    public int Step(int node, byte b) => _edges.TryGetValue(((long)node << 8) | b, out int next) ? next : -1;

    /// <summary>The id stored at a node, or -1.</summary>
    public int Value(int node) => _values[node];

    /// <summary>The id of exactly <paramref name="key"/>, or -1.</summary>
    public int Find(ReadOnlySpan<byte> key)
    {
        int node = Root;
        foreach (byte b in key)
        {
            node = Step(node, b);
            if (node < 0) return -1;
        }
        return _values[node];
    }

    /// <summary>Length of the longest stored key that prefixes <paramref name="s"/> (0 if none).</summary>
    public int LongestPrefix(ReadOnlySpan<byte> s)
    {
        int node = Root, best = 0;
        for (int i = 0; i < s.Length; i++)
        {
            node = Step(node, s[i]);
            if (node < 0) break;
            if (_values[node] >= 0) best = i + 1;
        }
        return best;
    }
}
