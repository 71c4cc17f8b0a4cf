namespace Tips.Model.Text;

/// <summary>
/// SentencePiece's normaliser (normalizer.cc), on UTF-8 bytes: user-defined symbols pass through untouched;
/// otherwise the longest precompiled_charsmap rule replaces its prefix, else one character is kept (an invalid
/// byte becomes U+FFFD); leading, trailing and repeated spaces are dropped; a dummy space is prepended (appended
/// with treat_whitespace_as_suffix); spaces become U+2581.
/// </summary>
internal sealed class Normalizer
{
    private static readonly byte[] SpaceSymbol = [0xE2, 0x96, 0x81];
    private static readonly byte[] Replacement = [0xEF, 0xBF, 0xBD];

    private readonly NormalizerSpec _spec;
    private readonly bool _suffix;
    private readonly PieceTrie _userDefined;
    private readonly DoubleArray? _trie;
    private readonly byte[] _normalized = [];
    private readonly string _what;

    public Normalizer(NormalizerSpec spec, bool treatWhitespaceAsSuffix, PieceTrie userDefined, string what)
    {
        _spec = spec;
        _suffix = treatWhitespaceAsSuffix;
        _userDefined = userDefined;
        _what = what;
        var blob = spec.PrecompiledCharsmap;
        if (blob.Length == 0) return;
        // Blob layout: uint32 trie size, the double-array units, then NUL-terminated replacement strings.
        if (blob.Length <= 4) throw new TipsException($"{what}: precompiled_charsmap is broken ({blob.Length} bytes)");
        uint trieSize = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieSize >= (uint)blob.Length) throw new TipsException($"{what}: precompiled_charsmap trie size {trieSize} exceeds the blob ({blob.Length} bytes)");
        _trie = new DoubleArray(blob.AsSpan(4, (int)trieSize).ToArray(), what);
        _normalized = blob.AsSpan(4 + (int)trieSize).ToArray();
    }

    /// <summary>The replacement for the start of <paramref name="input"/> and how many input bytes it consumes.</summary>
    private (ReadOnlyMemory<byte> Text, int Consumed) NormalizePrefix(ReadOnlyMemory<byte> input)
    {
        var s = input.Span;
        int user = _userDefined.IsEmpty ? 0 : _userDefined.LongestPrefix(s);
        if (user > 0) return (input[..user], user);
        if (_trie is not null)
        {
            int length = _trie.LongestPrefix(s, out int value);
            if (length > 0)
            {
                if (value >= _normalized.Length) throw new TipsException($"{_what}: precompiled_charsmap points past its strings ({value} >= {_normalized.Length})");
                int end = Array.IndexOf(_normalized, (byte)0, value);
                // C++ reads a C string; the blob's std::string storage ends in NUL, so the blob end terminates too.
                return (_normalized.AsMemory(value, (end < 0 ? _normalized.Length : end) - value), length);
            }
        }
        return SpmUtf8.TryDecode(s, out int n) ? (input[..n], n) : (Replacement, 1);
    }

    public byte[] Normalize(ReadOnlyMemory<byte> input)
    {
        bool removeExtra = _spec.RemoveExtraWhitespaces, escape = _spec.EscapeWhitespaces;
        if (removeExtra)
        {
            while (!input.IsEmpty)
            {
                var (text, consumed) = NormalizePrefix(input);
                if (!text.Span.SequenceEqual(" "u8)) break;
                input = input[consumed..];
            }
        }
        if (input.IsEmpty) return [];

        var output = new List<byte>(input.Length * 3);
        void AddSpace()
        {
            if (escape) output.AddRange(SpaceSymbol);
            else output.Add((byte)' ');
        }

        if (!_suffix && _spec.AddDummyPrefix) AddSpace();
        bool prevSpace = removeExtra;
        while (!input.IsEmpty)
        {
            var (text, consumed) = NormalizePrefix(input);
            var sp = text.Span;
            if (prevSpace)
                while (!sp.IsEmpty && sp[0] == (byte)' ') sp = sp[1..];
            if (!sp.IsEmpty)
            {
                foreach (byte b in sp)
                {
                    if (escape && b == (byte)' ') output.AddRange(SpaceSymbol);
                    else output.Add(b);
                }
                prevSpace = sp[^1] == (byte)' ';
            }
            input = input[consumed..];
            if (!removeExtra) prevSpace = false;
        }

        if (removeExtra)
        {
            ReadOnlySpan<byte> space = escape ? SpaceSymbol : " "u8;
            while (output.Count >= space.Length && System.Runtime.InteropServices.CollectionsMarshal.AsSpan(output)[^space.Length..].SequenceEqual(space))
                output.RemoveRange(output.Count - space.Length, space.Length);
        }
        if (_suffix && _spec.AddDummyPrefix) AddSpace();
        return [.. output];
    }
}
