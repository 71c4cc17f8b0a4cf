namespace Tips.Model.Text;

/// <summary>UTF-8 helpers with SentencePiece's exact rules (string_util.h), which differ from .NET's decoder.</summary>
internal static class SpmUtf8
{
    /// <summary>Length implied by the lead byte alone (spm OneCharLen): continuation bytes count as 1.</summary>
    public static int OneCharLen(byte lead) => (lead >> 4) switch { 12 or 13 => 2, 14 => 3, 15 => 4, _ => 1 };

    /// <summary>
    /// spm IsValidDecodeUTF8: a well-formed sequence (shortest form, no surrogates, at most U+10FFFF) gives
    /// its length; anything else is invalid and consumes one byte.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> s, out int length)
    {
        length = 1;
        byte b0 = s[0];
        if (b0 < 0x80) return true;
        if (s.Length >= 2 && (b0 & 0xE0) == 0xC0)
        {
            int cp = ((b0 & 0x1F) << 6) | (s[1] & 0x3F);
            if (IsTrail(s[1]) && cp >= 0x80) { length = 2; return true; }
        }
        else if (s.Length >= 3 && (b0 & 0xF0) == 0xE0)
        {
            int cp = ((b0 & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
            if (IsTrail(s[1]) && IsTrail(s[2]) && cp >= 0x800 && IsValidCodepoint(cp)) { length = 3; return true; }
        }
        else if (s.Length >= 4 && (b0 & 0xF8) == 0xF0)
        {
            int cp = ((b0 & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
            if (IsTrail(s[1]) && IsTrail(s[2]) && IsTrail(s[3]) && cp >= 0x10000 && IsValidCodepoint(cp)) { length = 4; return true; }
        }
        return false;
    }

    private static bool IsTrail(byte b) => (b & 0xC0) == 0x80;

    private static bool IsValidCodepoint(int cp) => cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF);
}
