using System.Buffers.Binary;

namespace Tips.Model.Text;

/// <summary>
/// Read-only darts-clone double-array trie, the format of SentencePiece's precompiled_charsmap. Each unit is a
/// little-endian uint32: bit 8 = has leaf, bits 0-7 (+ bit 31) = label, offset = (unit >> 10) &lt;&lt; ((unit &amp; 512) >> 6),
/// value (in the leaf unit) = low 31 bits. Indices are checked, so a corrupt blob fails instead of reading out of bounds.
/// </summary>
internal sealed class DoubleArray(byte[] units, string what)
{
    // spm's Normalizer keeps only the first 32 common-prefix results (kMaxTrieResultsSize).
    private const int MaxResults = 32;

    private readonly int _count = units.Length / 4;

    private uint Unit(uint index)
    {
        if (index >= (uint)_count) throw new TipsException($"{what}: corrupt precompiled_charsmap trie (unit {index} of {_count})");
        return BinaryPrimitives.ReadUInt32LittleEndian(units.AsSpan((int)index * 4, 4));
    }

    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);

    private static uint Label(uint unit) => unit & ((1u << 31) | 0xFF);

    private static bool HasLeaf(uint unit) => ((unit >> 8) & 1) == 1;

    /// <summary>The longest key that is a prefix of <paramref name="key"/>: its length (0 if none) and value.</summary>
    public int LongestPrefix(ReadOnlySpan<byte> key, out int value)
    {
        value = 0;
        int length = 0, found = 0;
        uint node = Offset(Unit(0));
        for (int i = 0; i < key.Length; i++)
        {
            node ^= key[i];
            uint unit = Unit(node);
            if (Label(unit) != key[i]) break;
            node ^= Offset(unit);
            if (HasLeaf(unit))
            {
                if (found < MaxResults)
                {
                    length = i + 1;
                    value = (int)(Unit(node) & int.MaxValue);
                }
                found++;
            }
        }
        return length;
    }
}
