using System.Text;

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

    private static readonly string[] Counts = ["no", "one", "two", "three", "four"];

    public static string Web(IReadOnlyList<PlacedStamp> stamps, ref DataRng rng)
    {
        double kind = rng.NextDouble();
        int number = rng.Next(10000);
        if (kind < 0.12) return number % 2 == 0 ? $"IMG_{number:D4}.jpg" : $"stamp_{number % 500}.png";
        if (kind < 0.22) return OffTopic[rng.Next(OffTopic.Length)];
        var salient = stamps.MaxBy(s => s.Width * s.Height)!;
        if (kind < 0.32) return A(salient.CategoryName);
        if (kind < 0.45) return salient.Name;
        return rng.Chance(0.5) ? salient.Caption : salient.Caption.TrimEnd('.', '!').ToLowerInvariant();
    }

    public static string Synthetic(IReadOnlyList<PlacedStamp> stamps, int height, int width, string ground, string sky)
    {
        var byX = stamps.OrderBy(s => s.CenterX).ToArray();
        var s = new StringBuilder();
        s.Append(Counts[stamps.Count]).Append(stamps.Count == 1 ? " object on " : " objects on ").Append(ground)
            .Append(" under ").Append(A(sky)).Append(": ");
        for (int i = 0; i < byX.Length; i++)
        {
            if (i > 0) s.Append(i == byX.Length - 1 ? " and " : ", ");
            s.Append(Describe(byX[i], height, width));
        }
        s.Append('.');
        for (int i = 0; i + 1 < byX.Length; i++)
        {
            var (a, b) = (byX[i], byX[i + 1]);
            if (b.CenterX - a.CenterX > 0.5 * (a.Width + b.Width) / 2)
                s.Append(" the ").Append(a.Name).Append(" is left of the ").Append(b.Name).Append('.');
        }
        if (stamps.Count >= 2)
        {
            var near = stamps.MinBy(p => p.Depth)!;
            var far = stamps.MaxBy(p => p.Depth)!;
            if (far.Depth > 1.2 * near.Depth)
                s.Append(" the ").Append(near.Name).Append(" is in front of the ").Append(far.Name).Append('.');
        }
        return s.ToString();
    }

    /// <summary>"a large red kangaroo (a mammal) on the left"; the category is left out when the name says it.</summary>
    public static string Describe(PlacedStamp p, int height, int width)
    {
        string size = p.Height > 0.3 * height ? "large" : "small";
        string category = p.Name.Contains(p.CategoryName, StringComparison.Ordinal) ? "" : $" ({A(p.CategoryName)})";
        return $"a {size} {p.Name}{category} {SceneCaptions.Position(p.CenterX, p.CenterY, height, width)}";
    }

    /// <summary>"an insect", "a bird".</summary>
    public static string A(string noun) => (noun[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? "an " : "a ") + noun;
}
