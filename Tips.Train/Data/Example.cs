using Tips.Model;
using Tips.Model.Images;

namespace Tips.Train.Data;

/// <summary>
/// One image with its two captions and optional dense labels, as every data source yields it.
/// Maps are row-major (H, W) and align with <see cref="Image"/> pixel for pixel.
/// </summary>
public sealed class Example
{
    public RgbImage Image { get; }

    /// <summary>(H, W) class ids: 0 background, 1..K object kind; null when the source has none.</summary>
    public int[]? Classes { get; }

    /// <summary>(H, W) depth (scene units, larger = farther); null when the source has none.</summary>
    public float[]? Depth { get; }

    /// <summary>Noisy alt-text style caption (paired with CLS1).</summary>
    public string WebCaption { get; }

    /// <summary>Dense description of the whole image (paired with CLS2).</summary>
    public string SyntheticCaption { get; }

    public int Height => Image.Height;
    public int Width => Image.Width;

    public Example(RgbImage image, string webCaption, string syntheticCaption, int[]? classes = null, float[]? depth = null)
    {
        int n = image.Height * image.Width;
        if (classes is not null && classes.Length != n)
            throw new TipsException($"class map has {classes.Length} values, the {image.Height}x{image.Width} image needs {n}");
        if (depth is not null && depth.Length != n)
            throw new TipsException($"depth map has {depth.Length} values, the {image.Height}x{image.Width} image needs {n}");
        Image = image;
        WebCaption = webCaption;
        SyntheticCaption = syntheticCaption;
        Classes = classes;
        Depth = depth;
    }
}

/// <summary>A finite, thread-safe, random-access collection of examples (generated scenes or a folder on disk).</summary>
public interface IExampleSource
{
    long Count { get; }

    /// <summary>Example <paramref name="index"/> in [0, Count); must be safe to call from several threads at once.</summary>
    Example Get(long index);
}
