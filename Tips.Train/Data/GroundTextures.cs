using Tips.Model;
using Tips.Model.Images;

namespace Tips.Train.Data;

/// <summary>Ground textures for stamp scenes: skimage's CC0 greyscale photographs of grass, gravel and brick, tinted.</summary>
public sealed class GroundTextures
{
    private static readonly (string Name, string File, float[] Tint)[] Table =
    [
        ("grass", "grass.png", [0.50f, 0.80f, 0.35f]),
        ("gravel", "gravel.png", [0.90f, 0.84f, 0.74f]),
        ("brick paving", "brick.png", [0.95f, 0.60f, 0.48f]),
    ];

    private readonly RgbImage[] _images;

    public int Count => Table.Length;

    private GroundTextures(RgbImage[] images) => _images = images;

    /// <summary>Loads the textures from skimage's data folder (default: the python3-skimage package's).</summary>
    public static GroundTextures Load(string? folder = null)
    {
        folder ??= DebianData.SkimageImages();
        var images = Table.Select(t => ImageLoader.Load(Path.Combine(folder, t.File))).ToArray();
        foreach (var (img, (_, file, _)) in images.Zip(Table))
            if (img.Height < 16 || img.Width < 16) throw new TipsException($"{Path.Combine(folder, file)}: texture smaller than 16x16");
        return new GroundTextures(images);
    }

    public string Name(int texture) => Table[texture].Name;

    /// <summary>The tinted texture at integer texel (u, v), wrapping around: tint * (0.35 + 0.75 grey).</summary>
    public void Sample(int texture, long u, long v, Span<float> rgb)
    {
        var img = _images[texture];
        int x = (int)(((u % img.Width) + img.Width) % img.Width), y = (int)(((v % img.Height) + img.Height) % img.Height);
        float f = 0.35f + 0.75f * img[y, x, 0];
        var tint = Table[texture].Tint;
        for (int c = 0; c < 3; c++) rgb[c] = Math.Min(1f, tint[c] * f);
    }
}
