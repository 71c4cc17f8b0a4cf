using System.Text;

namespace Tips.Tests.Text;

/// <summary>
/// Deterministic lines of mixed text for reference comparisons: words, punctuation, digits, accents (composed
/// and combining), full-width and compatibility forms (NFKC targets), CJK, emoji with modifiers and joiners,
/// repeated spaces, tabs, control characters, odd Unicode spaces, long lines, and malformed UTF-8 bytes.
/// </summary>
internal static class MixedCorpus
{
    private static readonly string[] Words =
    [
        "a", "photo", "of", "the", "cat", "dog", "red", "circle", "square", "to", "left", "in", "front", "mixer",
        "teapot", "birds", "and", "Small", "BLUE", "Hen", "running", "quickly", "über", "café", "naïve", "façade",
        "ÉCOLE", "Straße", "smörgåsbord", "niño", "Ångström", "résumé", "coöperate", "Ελληνικά", "русский", "עברית",
        "العربية", "हिन्दी", "ไทย", "中文", "日本語", "ひらがな", "カタカナ", "한국어", "漢字テスト", "ｆｕｌｌｗｉｄｔｈ",
        "１２３", "ﬁne", "ﬂow", "Ⅻ", "①②", "㎏", "ｶﾀｶﾅ", "e\u0301", "A\u030A", "\u1100\u1161", "x²", "½", "™", "…",
        "😀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️", "🐈", "∑", "√2", "≠", "€", "£", "¥", "§", "«quoted»", "“curly”", "—", "–",
    ];

    private static readonly string[] Oddities =
    [
        " ", "  ", "   ", "\t", "\t\t", " \t ", "\u00A0", "\u3000", "\u2003", "\u200B", "\uFEFF", "\u200D", "\u0001",
        "\u0007", "\u001B", "\u001F", "\u007F", "\u0085", "\u2028", "\u00AD", "\uFFFD", "\uE000", "\U0001F600",
    ];

    private const string Punctuation = ".,;:!?'\"()[]{}<>@#$%^&*-_=+/\\|~`";

    private static readonly byte[][] Malformed =
    [
        [0xFF], [0xFE], [0xC3], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0x80], [0xBF, 0xBF], [0xE2, 0x96], [0xF0, 0x9F, 0x98], [0x00],
    ];

    /// <summary><paramref name="rareChars"/> false leaves out random code points, so spm_train reaches 98% coverage.</summary>
    public static List<byte[]> Lines(int count, int seed, bool rareChars = true)
    {
        var rng = new Random(seed);
        var lines = new List<byte[]>(count);
        for (int i = 0; i < count; i++)
        {
            var bytes = new List<byte>();
            int kind = i % 10;
            int parts = kind == 9 ? rng.Next(150, 400) : kind == 8 ? 0 : rng.Next(1, 25);
            for (int p = 0; p < parts; p++)
            {
                int r = rng.Next(rareChars ? 100 : 86);
                string s = r switch
                {
                    < 45 => Words[rng.Next(Words.Length)],
                    < 60 => " ",
                    < 70 => Oddities[rng.Next(Oddities.Length)],
                    < 78 => Punctuation[rng.Next(Punctuation.Length)].ToString(),
                    < 86 => rng.Next(0, 100000).ToString(),
                    < 92 => ((char)rng.Next(0x20, 0x2FF)).ToString(),
                    < 96 => char.ConvertFromUtf32(rng.Next(0x4E00, 0x9FFF)),
                    _ => "",
                };
                if (r >= 96 && kind != 0)
                {
                    bytes.AddRange(Malformed[rng.Next(Malformed.Length)]);
                    continue;
                }
                bytes.AddRange(Encoding.UTF8.GetBytes(s));
                if (rng.Next(3) > 0) bytes.Add((byte)' ');
            }
            // Newlines would split a line for the reference tool.
            bytes.RemoveAll(b => b == (byte)'\n');
            lines.Add([.. bytes]);
        }
        return lines;
    }
}
