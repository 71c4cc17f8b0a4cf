using System.Globalization;
using System.Text;

namespace Tips.Model.Checkpoints;

/// <summary>The parsed header of an .npy array: <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>.</summary>
internal sealed record NpyHeader(DType DType, bool BigEndian, bool FortranOrder, long[] Shape, int HeaderBytes)
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads and parses the header at the start of a source holding <paramref name="available"/> bytes.</summary>
    public static NpyHeader Read(FillExactly fill, long available, string what)
    {
        Span<byte> prefix = stackalloc byte[12];
        if (available < 10) throw new TipsException($"{what}: too short for an .npy header ({available} bytes)");
        fill(prefix[..10]);
        if (!prefix[..6].SequenceEqual(Magic)) throw new TipsException($"{what}: not an .npy array (bad magic)");
        int major = prefix[6];
        long headerLength;
        int prefixLength;
        if (major == 1)
        {
            headerLength = prefix[8] | (prefix[9] << 8);
            prefixLength = 10;
        }
        else if (major is 2 or 3)
        {
            if (available < 12) throw new TipsException($"{what}: too short for an .npy v{major} header");
            fill(prefix[10..12]);
            headerLength = BitConverter.ToUInt32(prefix[8..12]);
            prefixLength = 12;
        }
        else throw new TipsException($"{what}: unsupported .npy format version {major}.{prefix[7]}");
        // The cap keeps a lying header length from allocating; real headers are well under 1 KiB.
        if (headerLength > available - prefixLength) throw new TipsException($"{what}: .npy header length {headerLength} exceeds the {available} bytes present");
        if (headerLength > 1 << 20) throw new TipsException($"{what}: .npy header length {headerLength} is implausibly large");
        var text = new byte[headerLength];
        fill(text);
        var encoding = major == 3 ? Encoding.UTF8 : Encoding.Latin1;
        var header = Parse(encoding.GetString(text), what);
        return header with { HeaderBytes = prefixLength + (int)headerLength };
    }

    private static NpyHeader Parse(string text, string what)
    {
        var p = new LiteralParser(text, what);
        var dict = p.ParseDict();
        string[] required = ["descr", "fortran_order", "shape"];
        foreach (var k in dict.Keys)
            if (Array.IndexOf(required, k) < 0) throw new TipsException($"{what}: unexpected .npy header key '{k}'");
        foreach (var k in required)
            if (!dict.ContainsKey(k)) throw new TipsException($"{what}: .npy header lacks '{k}'");
        if (dict["descr"] is not string descr) throw new TipsException($"{what}: .npy descr is not a simple dtype string (structured arrays are not supported)");
        if (dict["fortran_order"] is not bool fortran) throw new TipsException($"{what}: .npy fortran_order is not True/False");
        if (dict["shape"] is not long[] shape) throw new TipsException($"{what}: .npy shape is not a tuple of integers");
        if (descr.Length < 2) throw new TipsException($"{what}: bad .npy descr '{descr}'");
        var dtype = DTypes.FromNpyCode(descr[1..]) ?? throw new TipsException($"{what}: unsupported .npy dtype '{descr}' (supported: f2 f4 f8 i1 i2 i4 i8 u1 b1)");
        bool bigEndian = descr[0] switch
        {
            '<' => false,
            '>' => true,
            '=' => !BitConverter.IsLittleEndian,
            '|' when dtype.ItemSize() == 1 => false,
            _ => throw new TipsException($"{what}: bad byte order in .npy descr '{descr}'"),
        };
        return new NpyHeader(dtype, bigEndian && dtype.ItemSize() > 1, fortran, shape, 0);
    }

    /// <summary>Bytes of a v1 (or, if longer, v2) header, padded with spaces so the data starts 64-aligned.</summary>
    public static byte[] Format(NdArray array, string what)
    {
        var code = array.DType.NpyCode() ?? throw new TipsException($"{what}: dtype {array.DType} has no .npy equivalent; save as .safetensors or convert to F32");
        var order = array.DType.ItemSize() == 1 ? '|' : '<';
        var dims = string.Join(", ", array.Shape) + (array.Shape.Length == 1 ? "," : "");
        var dict = $"{{'descr': '{order}{code}', 'fortran_order': False, 'shape': ({dims}), }}";
        int prefix = dict.Length + 1 + 10 <= ushort.MaxValue ? 10 : 12;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        var bytes = new byte[total];
        Magic.CopyTo(bytes);
        bytes[6] = (byte)(prefix == 10 ? 1 : 2);
        int headerLength = total - prefix;
        if (prefix == 10) BitConverter.TryWriteBytes(bytes.AsSpan(8, 2), (ushort)headerLength);
        else BitConverter.TryWriteBytes(bytes.AsSpan(8, 4), (uint)headerLength);
        Encoding.Latin1.GetBytes(dict, bytes.AsSpan(prefix));
        bytes.AsSpan(prefix + dict.Length, total - prefix - dict.Length - 1).Fill((byte)' ');
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>The subset of Python literal syntax numpy writes: a dict of str keys to str, bool or int tuple.</summary>
    private sealed class LiteralParser(string s, string what)
    {
        private int pos;

        public Dictionary<string, object> ParseDict()
        {
            Expect('{');
            var dict = new Dictionary<string, object>();
            while (true)
            {
                SkipSpace();
                if (Peek() == '}') { pos++; break; }
                var key = ParseString();
                Expect(':');
                var value = ParseValue();
                if (!dict.TryAdd(key, value)) throw Error($"duplicate key '{key}'");
                SkipSpace();
                if (Peek() == ',') pos++;
                else if (Peek() != '}') throw Error("expected ',' or '}'");
            }
            SkipSpace();
            if (pos != s.Length) throw Error("trailing characters after the dict");
            return dict;
        }

        private object ParseValue()
        {
            SkipSpace();
            char c = Peek();
            if (c is '\'' or '"') return ParseString();
            if (c == '(') return ParseTuple();
            if (c == '[') throw Error("list values (structured dtypes) are not supported");
            var word = ParseWord();
            return word switch
            {
                "True" => true,
                "False" => false,
                _ => throw Error($"unexpected value '{word}'"),
            };
        }

        private long[] ParseTuple()
        {
            Expect('(');
            var items = new List<long>();
            while (true)
            {
                SkipSpace();
                if (Peek() == ')') { pos++; break; }
                var word = ParseWord();
                // Python 2 era files may write long integers with an L suffix.
                if (word.EndsWith('L')) word = word[..^1];
                if (!long.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                    throw Error($"shape entry '{word}' is not an integer");
                items.Add(v);
                SkipSpace();
                if (Peek() == ',') pos++;
                else if (Peek() != ')') throw Error("expected ',' or ')' in shape");
            }
            if (items.Count > 32) throw Error($"shape has {items.Count} dimensions");
            return [.. items];
        }

        private string ParseString()
        {
            SkipSpace();
            char quote = Peek();
            if (quote is not ('\'' or '"')) throw Error("expected a quoted string");
            int end = s.IndexOf(quote, pos + 1);
            if (end < 0) throw Error("unterminated string");
            var value = s[(pos + 1)..end];
            pos = end + 1;
            return value;
        }

        private string ParseWord()
        {
            int start = pos;
            while (pos < s.Length && (char.IsLetterOrDigit(s[pos]) || s[pos] is '-' or '+' or '_')) pos++;
            if (pos == start) throw Error($"unexpected character '{Peek()}'");
            return s[start..pos];
        }

        private void Expect(char c)
        {
            SkipSpace();
            if (Peek() != c) throw Error($"expected '{c}'");
            pos++;
        }

        private char Peek() => pos < s.Length ? s[pos] : throw Error("header ends early");

        private void SkipSpace()
        {
            while (pos < s.Length && char.IsWhiteSpace(s[pos])) pos++;
        }

        private TipsException Error(string problem) => new($"{what}: malformed .npy header ({problem} at offset {pos})");
    }
}
