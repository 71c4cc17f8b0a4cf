namespace Tips.Model.Images;

/// <summary>An RGB image as float32 (H, W, 3), channels last, row-major; loaded pixels are byte / 255 in [0, 1].</summary>
public sealed class RgbImage
{
    public int Height { get; }
    public int Width { get; }

    /// <summary>(H, W, 3): index (y * Width + x) * 3 + c.</summary>
    public float[] Pixels { get; }

    public RgbImage(int height, int width, float[] pixels)
    {
        if (height <= 0 || width <= 0) throw new TipsException($"image size must be positive, got {height}x{width}");
        if (pixels.Length != (long)height * width * 3)
            throw new TipsException($"an {height}x{width} RGB image needs {(long)height * width * 3} values, got {pixels.Length}");
        Height = height;
        Width = width;
        Pixels = pixels;
    }

    public float this[int y, int x, int c] => Pixels[(y * Width + x) * 3 + c];
}
