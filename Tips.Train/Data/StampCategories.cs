namespace Tips.Train.Data;

/// <summary>
/// The object classes of stamp scenes, each a set of Tux Paint stamp folders (class id = index + 1; 0 is background).
/// Folders of letters, symbols, people and seasonal decorations are left out: they are not one kind of object.
/// </summary>
public static class StampCategories
{
    private static readonly (string Name, string[] Folders)[] Table =
    [
        ("mammal", ["animals/mammals/", "animals/marsupials/"]),
        ("bird", ["animals/birds/"]),
        ("fish", ["animals/fish/", "animals/shellfish/"]),
        ("insect", ["animals/insects/"]),
        ("fruit", ["food/fruit/", "food/nuts/"]),
        ("vegetable", ["food/vegetables/"]),
        ("flower", ["plants/flowers/"]),
        ("tree", ["plants/trees/"]),
        ("house", ["town/houses/"]),
        ("road sign", ["town/roadsigns/"]),
        ("vehicle", ["vehicles/", "military/vehicles/"]),
        ("planet", ["space/planets/", "space/moon/"]),
        ("tool", ["household/tools/"]),
    ];

    public static int Count => Table.Length;

    /// <summary>Classes of the class map including background (0).</summary>
    public static int ClassCount => Table.Length + 1;

    public static string Name(int category) => Table[category].Name;

    public static string[] Names => Table.Select(t => t.Name).ToArray();

    /// <summary>The category of a stamp from its path relative to the stamps root, or -1 when it has none.</summary>
    public static int Of(string relativePath)
    {
        for (int c = 0; c < Table.Length; c++)
            if (Table[c].Folders.Any(f => relativePath.StartsWith(f, StringComparison.Ordinal))) return c;
        return -1;
    }

    /// <summary>
    /// "red kangaroo" from "A red kangaroo.", "albino peahen" from "An albino peahen (a female peafowl, or peacock).":
    /// the caption's first phrase without article, quotes and case; the file name when nothing is left.
    /// </summary>
    public static string ShortName(string caption, string fileName)
    {
        var text = caption.Replace('\u201C', ' ').Replace('\u201D', ' ').Replace('"', ' ').Replace('\u2019', '\'');
        int cut = text.IndexOfAny(['.', '!', '?', '(', ',', ':', ';', '\u2014', '\u2013']);
        int dash = text.IndexOf(" - ", StringComparison.Ordinal);
        if (dash >= 0 && (cut < 0 || dash < cut)) cut = dash;
        if (cut >= 0) text = text[..cut];
        var words = text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (words.Count > 1 && words[0] is "a" or "an" or "the") words.RemoveAt(0);
        var name = string.Join(' ', words);
        return name.Length > 0 ? name : fileName.Replace('_', ' ').Replace('-', ' ').ToLowerInvariant();
    }
}
