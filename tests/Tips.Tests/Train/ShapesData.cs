using Tips.Train.Training;

namespace Tips.Tests.Train;

/// <summary>
/// Generated image-caption data: one coloured square, circle or triangle of random size and place on a noisy grey
/// background. Word ids: 0 pad, 1 "a", 2-5 colours, 6-8 shapes, 9-10 left/right, 11-12 small/large, 13-23 noise words.
/// The web caption is "colour shape" with a random noise word in a random slot; the synthetic one is
/// "a size colour shape on the side".
/// </summary>
public sealed class ShapesData(int seed, int size = 28)
{
    public const int Colours = 4, Shapes = 3, Classes = Colours * Shapes, Vocab = 24, Tokens = 6;
    private static readonly float[][] Rgb = [[0.9f, 0.1f, 0.1f], [0.1f, 0.8f, 0.1f], [0.1f, 0.2f, 0.9f], [0.9f, 0.9f, 0.1f]];
    private readonly Random _rng = new(seed);

    public int Size => size;

    /// <summary>One image (size, size, 3) of class (colour, shape) and its two captions; the shape's side is reported.</summary>
    public (float[] Pixels, int[] Web, int[] Synthetic) Example(int cls)
    {
        int colour = cls / Shapes, shape = cls % Shapes;
        var pixels = new float[size * size * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = 0.45f + 0.1f * (float)_rng.NextDouble();
        bool large = _rng.Next(2) == 1;
        float r = large ? size * 0.3f : size * 0.2f;
        float cx = r + (float)_rng.NextDouble() * (size - 2 * r), cy = r + (float)_rng.NextDouble() * (size - 2 * r);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                float dx = x + 0.5f - cx, dy = y + 0.5f - cy;
                bool inside = shape switch
                {
                    0 => Math.Abs(dx) <= r * 0.8f && Math.Abs(dy) <= r * 0.8f,
                    1 => dx * dx + dy * dy <= r * r,
                    _ => dy <= r * 0.8f && dy >= -r && Math.Abs(dx) <= (dy + r) * 0.55f,
                };
                if (inside) Rgb[colour].CopyTo(pixels, (y * size + x) * 3);
            }
        var web = new int[Tokens];
        web[0] = 2 + colour;
        web[1] = 6 + shape;
        if (_rng.Next(2) == 1) web[2] = 13 + _rng.Next(Vocab - 13);
        int[] synthetic = [1, large ? 12 : 11, 2 + colour, 6 + shape, cx < size / 2f ? 9 : 10, 0];
        return (pixels, web, synthetic);
    }

    /// <summary>The web caption of a class with no noise word (the retrieval queries).</summary>
    public static int[] ClassCaption(int cls) => [2 + cls / Shapes, 6 + cls % Shapes, 0, 0, 0, 0];

    /// <summary>A training batch of random classes: the global crop is the whole image, local crops random half-size windows.</summary>
    public TrainBatch Batch(int batch, int localCrops)
    {
        int local = size / 2;
        var global = new float[batch * size * size * 3];
        var locals = new float[localCrops * batch * local * local * 3];
        var web = new int[batch * Tokens];
        var synthetic = new int[batch * Tokens];
        for (int b = 0; b < batch; b++)
        {
            var (pixels, w, s) = Example(_rng.Next(Classes));
            pixels.CopyTo(global, b * pixels.Length);
            w.CopyTo(web, b * Tokens);
            s.CopyTo(synthetic, b * Tokens);
            for (int m = 0; m < localCrops; m++)
            {
                int top = _rng.Next(size - local + 1), left = _rng.Next(size - local + 1);
                for (int y = 0; y < local; y++)
                    Array.Copy(pixels, ((top + y) * size + left) * 3, locals, (((m * batch + b) * local + y) * local) * 3, local * 3);
            }
        }
        return new TrainBatch(batch, global, size, locals, localCrops, local, web, synthetic);
    }
}
