namespace Tips.Model;

/// <summary>Prompt templates: "{}" marks where the label goes.</summary>
public static class Prompts
{
    /// <summary>The nine templates the released zero-shot segmentation averages per class (TIPSv2 notebook).</summary>
    public static IReadOnlyList<string> Segmentation { get; } =
    [
        "itap of a {}.", "a bad photo of a {}.", "a origami {}.", "a photo of the large {}.", "a {} in a video game.",
        "art of the {}.", "a photo of the small {}.", "a photo of many {}.", "a photo of {}s.",
    ];

    /// <summary>The template with every "{}" replaced by <paramref name="label"/>.</summary>
    public static string Fill(string template, string label)
    {
        if (!template.Contains("{}", StringComparison.Ordinal)) throw new TipsException($"prompt '{template}' has no '{{}}' for the label");
        return template.Replace("{}", label, StringComparison.Ordinal);
    }

    public static string[] Fill(string template, IReadOnlyList<string> labels) => labels.Select(l => Fill(template, l)).ToArray();
}
