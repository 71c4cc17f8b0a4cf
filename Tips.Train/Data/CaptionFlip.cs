using System.Text.RegularExpressions;

namespace Tips.Train.Data;

/// <summary>The caption side of a horizontal flip: a mirrored image needs "left" and "right" swapped.</summary>
public static partial class CaptionFlip
{
    [GeneratedRegex(@"\b(left|right)(most|wards|ward)?\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LeftRight();

    /// <summary>Swaps the whole words left/right (also leftmost/rightmost, leftward(s)/rightward(s)), keeping each
    /// word's capitalisation (lower, Capitalised or UPPER); other text is unchanged, so flipping twice restores it.</summary>
    public static string FlipLeftRight(string caption) => LeftRight().Replace(caption, m =>
    {
        string word = m.Groups[1].Value;
        string swapped = word.Equals("left", StringComparison.OrdinalIgnoreCase) ? "right" : "left";
        return MatchCase(word, swapped) + m.Groups[2].Value;
    });

    private static string MatchCase(string model, string word)
    {
        if (model.All(char.IsUpper)) return word.ToUpperInvariant();
        if (char.IsUpper(model[0])) return char.ToUpperInvariant(word[0]) + word[1..];
        return word;
    }
}
