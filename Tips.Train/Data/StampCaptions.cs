
namespace Tips.Train.Data;

/// <summary>
/// Captions of stamp scenes. Web: the Tux Paint caption of the most salient (largest) stamp, as alt-text often is,
/// sometimes only its category or name, a file name, or an unrelated phrase. Synthetic: every stamp with size, name,
/// category and position, then left/right and front/behind relations.
/// </summary>
internal static class StampCaptions
{
    private static readonly string[] OffTopic =
    [
        "click to enlarge", "my favourite picture", "untitled drawing", "free clip art", "made with tux paint",
        "see more at my gallery", "no description", "stamp collection",
    ];


    public static string Web(IReadOnlyList<PlacedStamp> stamps, ref DataRng rng)
    {
        double kind = rng.NextDouble();
        int number = rng.Next(10000);
        if (kind < 0.12) return number % 2 == 0 ? $"IMG_{number:D4}.jpg" : $"stamp_{number % 500}.png";
        if (kind < 0.22) return OffTopic[rng.Next(OffTopic.Length)];
        var salient = stamps.MaxBy(s => s.Width * s.Height)!;
        if (kind < 0.32) return CaptionLayout.A(salient.CategoryName);
        if (kind < 0.45) return salient.Name;
        return rng.Chance(0.5) ? salient.Caption : salient.Caption.TrimEnd('.', '!').ToLowerInvariant();
    }

    public static string Synthetic(IReadOnlyList<PlacedStamp> stamps, int height, int width, string ground, string sky) =>
        CaptionLayout.Synthetic(stamps.Select(p => (p.Name, Describe(p, height, width), p.CenterX, p.Width / 2, p.Depth)).ToArray(), ground, sky);

    /// <summary>"a large red kangaroo (a mammal) on the left"; the category is left out when the name says it.</summary>
    public static string Describe(PlacedStamp p, int height, int width)
    {
        string size = p.Height > 0.3 * height ? "large" : "small";
        string category = p.Name.Contains(p.CategoryName, StringComparison.Ordinal) ? "" : $" ({CaptionLayout.A(p.CategoryName)})";
        return $"a {size} {p.Name}{category} {SceneCaptions.Position(p.CenterX, p.CenterY, height, width)}";
    }
}
