using System.Text;

namespace Tips.Tests.Reliability;

/// <summary>
/// Byte-level mutations of a valid file (bit flips, truncation, junk, interesting integers, 0xFF runs, copied and
/// deleted ranges) and text-aware ones for the ASCII parts of headers (numbers made huge or negative, quoted
/// strings swapped, which duplicates keys and changes dtypes).
/// </summary>
public static class Mutator
{
    private static readonly long[] InterestingIntegers =
        [0, -1, 1, 0x7F, 0xFF, 0x7FFF, 0xFFFF, int.MaxValue, int.MinValue, uint.MaxValue, 1L << 32, 1L << 40, long.MaxValue, long.MinValue];

    private static readonly string[] InterestingNumbers =
        ["-1", "0", "-0", "2147483648", "4294967296", "9223372036854775807", "18446744073709551616", "99999999999999999999999", "1e308", "1.5", "NaN"];

    public static byte[] Mutate(byte[] seed, Random rng, int hotEnd)
    {
        var data = (byte[])seed.Clone();
        int kinds = rng.Next(1, 3);
        for (int k = 0; k < kinds && data.Length > 0; k++) data = MutateOnce(data, rng, Math.Clamp(hotEnd, 1, data.Length));
        return data;
    }

    private static byte[] MutateOnce(byte[] data, Random rng, int hot)
    {
        switch (rng.Next(10))
        {
            case 0:
                for (int n = rng.Next(1, 9); n > 0; n--) data[rng.Next(hot)] ^= (byte)(1 << rng.Next(8));
                return data;
            case 1:
                for (int n = rng.Next(1, 5); n > 0; n--) data[rng.Next(hot)] = (byte)rng.Next(256);
                return data;
            case 2:
                return data[..rng.Next(data.Length)];
            case 3:
                {
                    int at = rng.Next(hot);
                    var junk = new byte[rng.Next(1, 16)];
                    rng.NextBytes(junk);
                    return [.. data[..at], .. junk, .. data[at..]];
                }
            case 4:
                {
                    int size = rng.Next(2) == 0 ? 4 : 8;
                    if (data.Length < size) return data;
                    long v = InterestingIntegers[rng.Next(InterestingIntegers.Length)];
                    int at = rng.Next(Math.Max(1, Math.Min(hot, data.Length - size + 1)));
                    BitConverter.GetBytes(v).AsSpan(0, size).CopyTo(data.AsSpan(at));
                    return data;
                }
            case 5:
                {
                    int at = rng.Next(hot);
                    data.AsSpan(at, Math.Min(rng.Next(1, 12), data.Length - at)).Fill(0xFF);
                    return data;
                }
            case 6:
                {
                    int from = rng.Next(data.Length), length = rng.Next(1, Math.Min(64, data.Length - from) + 1), at = rng.Next(hot);
                    return [.. data[..at], .. data.AsSpan(from, length), .. data[at..]];
                }
            case 7:
                {
                    int at = rng.Next(hot), length = rng.Next(1, Math.Min(32, data.Length - at) + 1);
                    return [.. data[..at], .. data[(at + length)..]];
                }
            case 8:
                return ReplaceText(data, rng, hot, IsDigitRun, () => InterestingNumbers[rng.Next(InterestingNumbers.Length)]);
            default:
                {
                    var quoted = Spans(data, hot, IsQuoted);
                    if (quoted.Count < 2) return data;
                    var (s, l) = quoted[rng.Next(quoted.Count)];
                    return ReplaceText(data, rng, hot, IsQuoted, () => Encoding.Latin1.GetString(data, s, l));
                }
        }
    }

    private static bool IsDigitRun(byte[] d, int i) => d[i] is >= (byte)'0' and <= (byte)'9';

    private static bool IsQuoted(byte[] d, int i) => d[i] is not ((byte)'"' or (byte)'\'' or 0 or (byte)'\n');

    /// <summary>Maximal runs of bytes in [0, hot) that match; for quoted text, only runs between quotes.</summary>
    private static List<(int Start, int Length)> Spans(byte[] data, int hot, Func<byte[], int, bool> inRun)
    {
        var spans = new List<(int, int)>();
        bool quotes = inRun == IsQuoted;
        for (int i = 0; i < hot; i++)
        {
            if (quotes ? data[i] is not ((byte)'"' or (byte)'\'') : !inRun(data, i)) continue;
            int start = quotes ? i + 1 : i, j = start;
            while (j < data.Length && j - start < 80 && inRun(data, j)) j++;
            if (quotes && (j >= data.Length || data[j] != data[i])) continue;
            spans.Add((start, j - start));
            i = j;
        }
        return spans;
    }

    private static byte[] ReplaceText(byte[] data, Random rng, int hot, Func<byte[], int, bool> inRun, Func<string> replacement)
    {
        var spans = Spans(data, hot, inRun);
        if (spans.Count == 0) return data;
        var (start, length) = spans[rng.Next(spans.Count)];
        return [.. data[..start], .. Encoding.Latin1.GetBytes(replacement()), .. data[(start + length)..]];
    }
}
