using System.Text;

namespace Tips.Train.Data;

/// <summary>
/// The synthetic caption's shared sentence shape for generated and stamp scenes: "two objects on grass under a blue
/// sky: A and B." followed by left-of and in-front-of relations.
/// </summary>
internal static class CaptionLayout
{
    private static readonly string[] Counts = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight"];

    /// <param name="objects">Each object's name, description, centre x, half width and depth.</param>
    public static string Synthetic(IReadOnlyList<(string Name, string Description, double CenterX, double HalfWidth, float Depth)> objects,
        string ground, string sky)
    {
        var byX = objects.OrderBy(o => o.CenterX).ToArray();
        var s = new StringBuilder();
        s.Append(Counts[objects.Count]).Append(objects.Count == 1 ? " object on " : " objects on ").Append(ground)
            .Append(" under ").Append(A(sky)).Append(": ");
        for (int i = 0; i < byX.Length; i++)
        {
            if (i > 0) s.Append(i == byX.Length - 1 ? " and " : ", ");
            s.Append(byX[i].Description);
        }
        s.Append('.');
        for (int i = 0; i + 1 < byX.Length; i++)
        {
            var (a, b) = (byX[i], byX[i + 1]);
            // Only clearly separated pairs: a "left of" between overlapping objects would be a coin toss.
            if (b.CenterX - a.CenterX > 0.5 * (a.HalfWidth + b.HalfWidth))
                s.Append(" the ").Append(a.Name).Append(" is left of the ").Append(b.Name).Append('.');
        }
        if (objects.Count >= 2)
        {
            var near = objects.MinBy(o => o.Depth);
            var far = objects.MaxBy(o => o.Depth);
            if (far.Depth > 1.2 * near.Depth)
                s.Append(" the ").Append(near.Name).Append(" is in front of the ").Append(far.Name).Append('.');
        }
        return s.ToString();
    }

    public static string A(string noun) => (noun[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? "an " : "a ") + noun;
}
