
namespace Tips.Train.Data;

/// <summary>
/// Captions of generated scenes. Web captions imitate alt-text: at most one object (the most salient), often only its
/// kind, or a file name, or an unrelated phrase. Synthetic captions imitate a dense captioner: every object with
/// size, texture, colour, kind and position, then left/right and front/behind relations.
/// </summary>
internal static class SceneCaptions
{
    private static readonly string[] OffTopic =
    [
        "free shipping on all orders", "click here to see more", "my summer holiday", "untitled", "wallpaper hd download",
        "best price guaranteed", "posted by admin", "view full size", "new arrivals", "home decor ideas",
        "no description available", "thanks for visiting",
    ];


    public static string Web(IReadOnlyList<SceneObject> objects, string ground, ref DataRng rng)
    {
        double kind = rng.NextDouble();
        int template = rng.Next(6);
        int number = rng.Next(10000);
        if (kind < 0.2) return FileName(template, number);
        if (kind < 0.4) return OffTopic[rng.Next(OffTopic.Length)];
        var salient = objects.MaxBy(o => o.Radius)!;
        string k = SceneWords.Kind(salient.Kind), c = salient.ColourName;
        return template switch
        {
            0 => $"a {c} {k}",
            1 => $"{c} {k}",
            2 => $"a {k}",
            3 => $"photo of a {k}",
            4 => $"{c} {k} on {ground}",
            _ => $"my {k} #{number % 100}",
        };
    }

    private static string FileName(int template, int number) => template switch
    {
        0 or 1 => $"IMG_{number:D4}.jpg",
        2 => $"DSC{number:D5}.JPG",
        3 => $"image_{number % 300}.png",
        4 => $"photo ({number % 50}).jpeg",
        _ => $"Screenshot 2019-{number % 12 + 1:D2}-{number % 28 + 1:D2}.png",
    };

    public static string Synthetic(IReadOnlyList<SceneObject> objects, int height, int width, string ground, string sky) =>
        CaptionLayout.Synthetic(objects.Select(o => (o.Name, Describe(o, height, width), o.CenterX, o.Radius, o.Depth)).ToArray(), ground, sky);

    /// <summary>"a large striped red circle at the bottom left" (solid objects get no texture word).</summary>
    public static string Describe(SceneObject o, int height, int width)
    {
        var texture = o.Texture == Texture.Solid ? "" : SceneWords.Texture(o.Texture) + " ";
        return $"a {SceneWords.Size(o.Large)} {texture}{o.Name} {Position(o.CenterX, o.CenterY, height, width)}";
    }

    /// <summary>Image thirds of the object's centre: "at the bottom left", "on the right", "at the top", "in the centre".</summary>
    public static string Position(double cx, double cy, int height, int width)
    {
        string h = cx < width / 3.0 ? "left" : cx > 2 * width / 3.0 ? "right" : "";
        string v = cy < height / 3.0 ? "top" : cy > 2 * height / 3.0 ? "bottom" : "";
        return (v, h) switch
        {
            ("", "") => "in the center",
            ("", _) => $"on the {h}",
            (_, "") => $"at the {v}",
            _ => $"at the {v} {h}",
        };
    }
}
