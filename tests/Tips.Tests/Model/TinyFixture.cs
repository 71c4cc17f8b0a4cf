using Tips.Model.Checkpoints;
using Tips.Model.Config;
using Tips.Model.Images;

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

    /// <summary>images/img_{size}.png as (H, W, 3) floats, pixel / 255 (the fixture's exact inputs).</summary>
    public static (float[] Pixels, int Height, int Width) Image(string size)
    {
        var img = ImageLoader.Load(Path.Combine(Paths.Tiny, "images", $"img_{size}.png"));
        return (img.Pixels, img.Height, img.Width);
    }
}
