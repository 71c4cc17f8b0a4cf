namespace Tips.Train.Data;

/// <summary>
/// One training batch, channels last like <see cref="Tips.Model.Images.RgbImage"/>. Dimension legend: B batch,
/// G global crop size, M local crops per example, L local crop size.
/// </summary>
public sealed class Batch
{
    /// <summary>Index of this batch in the loader's stream (0, 1, 2, ...).</summary>
    public required long Position { get; init; }

    /// <summary>(B): source index of each example.</summary>
    public required long[] Indices { get; init; }

    public required int GlobalSize { get; init; }
    public required int LocalSize { get; init; }
    public required int LocalCount { get; init; }

    /// <summary>(B, G, G, 3) in [0, 1].</summary>
    public required float[] Global { get; init; }

    /// <summary>(B, M, L, L, 3) in [0, 1].</summary>
    public required float[] Local { get; init; }

    /// <summary>(B): web captions, left/right swapped where the global crop is mirrored.</summary>
    public required string[] WebCaptions { get; init; }

    /// <summary>(B): synthetic captions, left/right swapped where the global crop is mirrored.</summary>
    public required string[] SyntheticCaptions { get; init; }

    /// <summary>(B, G, G) class ids of the global crops; null unless every example of the source has a class map.</summary>
    public int[]? GlobalClasses { get; init; }

    /// <summary>(B, G, G) depth of the global crops; null unless every example has a depth map.</summary>
    public float[]? GlobalDepth { get; init; }

    public int Size => Indices.Length;
}
