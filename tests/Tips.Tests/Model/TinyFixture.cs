using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Tips.Model.Checkpoints;
using Tips.Model.Config;

namespace Tips.Tests.Model;

/// <summary>The tiny parity fixture (../shared/fixtures/tiny), read once per test run.</summary>
public sealed class TinyFixture
{
    private static readonly Lazy<TinyFixture> Instance = new(() => new TinyFixture());

    private TinyFixture()
    {
        Config = TipsConfig.Load(Path.Combine(Paths.Tiny, "config.json"));
        Vision = StateDict.LoadNpz(Path.Combine(Paths.Tiny, "vision.npz"));
        Text = StateDict.LoadNpz(Path.Combine(Paths.Tiny, "text.npz"));
        Expected = StateDict.LoadNpz(Path.Combine(Paths.Tiny, "expected.npz"));
        Grads = StateDict.LoadNpz(Path.Combine(Paths.Tiny, "grads.npz"));
    }

    public static TinyFixture Get => Instance.Value;

    public TipsConfig Config { get; }
    public StateDict Vision { get; }
    public StateDict Text { get; }
    public StateDict Expected { get; }
    public StateDict Grads { get; }

    public static readonly string[] ImageSizes = ["56x56", "42x70"];

    /// <summary>images/img_{size}.png decoded to (H, W, 3) floats, pixel / 255 (the fixture's exact inputs).</summary>
    public static (float[] Pixels, int Height, int Width) Image(string size)
    {
        using var img = SixLabors.ImageSharp.Image.Load<Rgb24>(Path.Combine(Paths.Tiny, "images", $"img_{size}.png"));
        var pixels = new float[img.Height * img.Width * 3];
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                var p = img[x, y];
                int o = (y * img.Width + x) * 3;
                pixels[o] = p.R / 255f;
                pixels[o + 1] = p.G / 255f;
                pixels[o + 2] = p.B / 255f;
            }
        return (pixels, img.Height, img.Width);
    }
}
