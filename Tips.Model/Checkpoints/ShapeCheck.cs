namespace Tips.Model.Checkpoints;

/// <summary>Compares the keys and shapes of a checkpoint with what a model expects, reporting every
/// problem in one line.</summary>
public static class ShapeCheck
{
    private const int MaxListed = 8;

    /// <summary>Throws <see cref="TipsException"/> listing missing keys, unexpected keys and shape mismatches.
    /// Keys in <paramref name="optional"/> may be absent (and are not unexpected when present).</summary>
    public static void Compare(IReadOnlyDictionary<string, int[]> expected, IReadOnlyDictionary<string, int[]> actual,
        string source, IEnumerable<string>? optional = null)
    {
        var optionalSet = optional is null ? [] : new HashSet<string>(optional, StringComparer.Ordinal);
        var missing = expected.Keys.Where(k => !actual.ContainsKey(k) && !optionalSet.Contains(k)).ToList();
        var unexpected = actual.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var mismatched = expected
            .Where(kv => actual.TryGetValue(kv.Key, out var a) && !a.AsSpan().SequenceEqual(kv.Value))
            .Select(kv => $"'{kv.Key}' is {NdArray.ShapeString(actual[kv.Key])} in the file, expected {NdArray.ShapeString(kv.Value)}")
            .ToList();
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add("missing keys " + List(missing.Select(k => $"'{k}'").ToList()));
        if (unexpected.Count > 0) parts.Add("unexpected keys " + List(unexpected.Select(k => $"'{k}'").ToList()));
        if (mismatched.Count > 0) parts.Add("shape mismatch: " + List(mismatched));
        if (parts.Count > 0) throw new TipsException($"{source}: checkpoint does not match the model: {string.Join("; ", parts)}");
    }

    private static string List(List<string> items) =>
        string.Join(", ", items.Take(MaxListed)) + (items.Count > MaxListed ? $" and {items.Count - MaxListed} more" : "");
}
