using System.Text;

namespace Tips.Tests.Model;

/// <summary>Relative-L2 comparison of whole arrays, with a readable failure (first mismatches, max error).</summary>
public static class Parity
{
    /// <summary>|actual - expected|_2 / |expected|_2 in float64.</summary>
    public static double RelL2(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = (double)actual[i] - expected[i];
            num += d * d;
            den += (double)expected[i] * expected[i];
        }
        return Math.Sqrt(num) / Math.Max(Math.Sqrt(den), 1e-30);
    }

    /// <summary>Asserts rel L2 &lt;= tolerance (NaN fails) and returns it.</summary>
    public static double Check(string name, float[] expected, float[] actual, double tolerance)
    {
        Assert.True(expected.Length == actual.Length, $"{name}: {actual.Length} values, expected {expected.Length}");
        Assert.True(expected.Any(v => v != 0f), $"{name}: reference is all zeros");
        double rel = RelL2(expected, actual);
        if (rel <= tolerance) return rel;

        double rms = Math.Sqrt(expected.Sum(v => (double)v * v) / expected.Length);
        var sb = new StringBuilder($"{name}: relative L2 error {rel:E3} > {tolerance:E1}");
        int maxAt = 0, shown = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)actual[i] - expected[i]);
            if (!(d <= Math.Abs((double)actual[maxAt] - expected[maxAt]))) maxAt = i;
            if (!(d <= tolerance * rms) && shown < 8)
            {
                sb.Append($"\n  [{i}] expected {expected[i]:G9}, got {actual[i]:G9}");
                shown++;
            }
        }
        sb.Append($"\n  max |error| {Math.Abs((double)actual[maxAt] - expected[maxAt]):E3} at [{maxAt}] (expected {expected[maxAt]:G9}, got {actual[maxAt]:G9})");
        Assert.Fail(sb.ToString());
        return rel;
    }
}
