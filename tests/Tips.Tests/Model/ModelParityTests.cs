using Tips.Kernels;
using Tips.Model.Tensors;
using Tips.Model.Towers;
using Xunit.Abstractions;

namespace Tips.Tests.Model;

/// <summary>
/// Both towers against the official PyTorch outputs and autograd gradients of the tiny fixture
/// (forward: rel L2 &lt;= 1e-4 per array; gradients: &lt;= 1e-3). One subclass per backend.
/// </summary>
public abstract class ModelParityTests : IDisposable
{
    private const double ForwardTolerance = 1e-4;
    private const double GradientTolerance = 1e-3;
    private readonly ITestOutputHelper _output;
    private readonly IBackend _backend;
    private readonly TipsModel _model;

    protected ModelParityTests(ITestOutputHelper output, IBackend backend)
    {
        _output = output;
        _backend = backend;
        var f = TinyFixture.Get;
        _model = new TipsModel(VisionTower.Load(backend, f.Vision, f.Config.Vision), TextTower.Load(backend, f.Text, f.Config.Text));
    }

    private static TinyFixture F => TinyFixture.Get;

    /// <summary>The texts whose gradients are checked (the empty fifth text has none in the fixture).</summary>
    protected virtual int[] TextGradientCases => [0, 1, 2, 3, 5];

    public void Dispose()
    {
        _model.Dispose();
        _backend.Dispose();
        GC.SuppressFinalize(this);
    }

    private double Check(string name, float[] expected, float[] actual, double tolerance)
    {
        double rel = Parity.Check(name, expected, actual, tolerance);
        _output.WriteLine($"{_backend.Name} {name}: rel L2 {rel:E2}");
        return rel;
    }

    [Theory]
    [InlineData("56x56")]
    [InlineData("42x70")]
    public void VisionForwardMatchesFixture(string size)
    {
        var (pixels, h, w) = TinyFixture.Image(size);
        var features = _model.EncodeImages(pixels, 1, h, w);
        Check($"{size}/cls1", F.Expected[$"{size}/cls1"].Floats, features.Cls1, ForwardTolerance);
        Check($"{size}/cls2", F.Expected[$"{size}/cls2"].Floats, features.Cls2, ForwardTolerance);
        Assert.Equal(F.Expected[$"{size}/patch_tokens"].Shape, new[] { 1, features.GridHeight, features.GridWidth, features.Width });
        Check($"{size}/patch_tokens", F.Expected[$"{size}/patch_tokens"].Floats, features.PatchTokens, ForwardTolerance);
    }

    [Fact]
    public void VisionBatchEncodesEachImageIndependently()
    {
        // The 42x70 image and its horizontal mirror in one batch: the first row must match the fixture, the
        // second must equal a batch-of-one run of the mirror.
        var (pixels, h, w) = TinyFixture.Image("42x70");
        var mirror = new float[pixels.Length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    mirror[(y * w + x) * 3 + c] = pixels[(y * w + (w - 1 - x)) * 3 + c];
        var both = _model.EncodeImages([.. pixels, .. mirror], 2, h, w);
        var single = _model.EncodeImages(mirror, 1, h, w);
        int d = both.Width, n = both.GridHeight * both.GridWidth * d;
        Check("batch[0]/cls1", F.Expected["42x70/cls1"].Floats, both.Cls1[..d], ForwardTolerance);
        Check("batch[0]/patch_tokens", F.Expected["42x70/patch_tokens"].Floats, both.PatchTokens[..n], ForwardTolerance);
        Check("batch[1]/cls2", single.Cls2, both.Cls2[d..], 1e-6);
        Check("batch[1]/patch_tokens", single.PatchTokens, both.PatchTokens[n..], 1e-6);
    }

    [Theory]
    [InlineData("56x56")]
    [InlineData("42x70")]
    public void VisionGradientsMatchFixture(string size)
    {
        var (pixels, h, w) = TinyFixture.Image(size);
        var vision = _model.Vision;
        vision.Parameters.ZeroGrad();
        using var image = Tensor.FromHost(_backend, pixels, [1, h, w, 3], requiresGrad: true);
        using var tape = new Tape(_backend, recording: true);
        var o = vision.Forward(tape, image);
        string obj = $"{size}/objective/";
        var loss = tape.Add(tape.Add(
                tape.Dot(o.Cls1, tape.Constant(F.Grads[obj + "r_cls1"].Floats, o.Cls1.Shape)),
                tape.Dot(o.Cls2, tape.Constant(F.Grads[obj + "r_cls2"].Floats, o.Cls2.Shape))),
            tape.Dot(o.PatchTokens, tape.Constant(F.Grads[obj + "r_patch_tokens"].Floats, o.PatchTokens.Shape)));
        tape.Backward(loss);

        Check($"{size}/objective", F.Grads[obj + "value"].Floats, loss.ToHost(), ForwardTolerance);
        Check($"{size}/input", F.Grads[$"{size}/input"].Floats, image.GradToHost()!, GradientTolerance);
        string prefix = $"{size}/vision/";
        var fixtureKeys = F.Grads.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => k[prefix.Length..]).ToHashSet();
        Assert.Equal(vision.Parameters.Names.Where(k => k != "mask_token").Order(), fixtureKeys.Order());
        double worst = 0;
        foreach (var key in fixtureKeys)
            worst = Math.Max(worst, Parity.Check(prefix + key, F.Grads[prefix + key].Floats, vision.Parameters[key].GradToHost()!, GradientTolerance));
        _output.WriteLine($"{_backend.Name} {prefix}*: worst rel L2 {worst:E2} over {fixtureKeys.Count} parameters");
        Assert.Null(vision.MaskToken.Grad); // not used without a mask
    }

    [Fact]
    public void TextForwardAndZeroShotMatchFixture()
    {
        var ids = F.Expected["text/ids"];
        var embeddings = _model.EncodeTexts(ids.Ints, ids.Shape[0]);
        Check("text/embeddings", F.Expected["text/embeddings"].Floats, embeddings, ForwardTolerance);
        // The empty text (fifth line) pools to zeros, not NaN.
        int d = _model.Text.Config.Width;
        Assert.All(embeddings[(4 * d)..(5 * d)], v => Assert.Equal(0f, v));

        var (pixels, h, w) = TinyFixture.Image("56x56");
        var image = _model.EncodeImages(pixels, 1, h, w);
        var probabilities = _model.ZeroShot(image.Cls1, embeddings);
        Check("zeroshot/cls1_vs_texts", F.Expected["zeroshot/cls1_vs_texts"].Floats, probabilities, ForwardTolerance);
    }

    [Fact]
    public void TextGradientsMatchFixture()
    {
        var ids = F.Expected["text/ids"];
        int tokens = ids.Shape[1];
        var text = _model.Text;
        foreach (int i in TextGradientCases)
        {
            string obj = $"text{i}/objective/r_embedding";
            text.Parameters.ZeroGrad();
            using var tape = new Tape(_backend, recording: true);
            var embedding = text.Forward(tape, ids.Ints.AsSpan(i * tokens, tokens), 1);
            tape.Backward(tape.Dot(embedding, tape.Constant(F.Grads[obj].Floats, embedding.Shape)));

            string prefix = $"text{i}/text/";
            var fixtureKeys = F.Grads.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => k[prefix.Length..]).ToHashSet();
            Assert.Equal(text.Parameters.Names.Where(k => k != "temperature").Order(), fixtureKeys.Order());
            double worst = 0;
            foreach (var key in fixtureKeys)
                worst = Math.Max(worst, Parity.Check(prefix + key, F.Grads[prefix + key].Floats, text.Parameters[key].GradToHost()!, GradientTolerance));
            _output.WriteLine($"{_backend.Name} {prefix}*: worst rel L2 {worst:E2} over {fixtureKeys.Count} parameters");
        }
    }

}

public sealed class CpuModelParityTests(ITestOutputHelper output) : ModelParityTests(output, new CpuBackend());

public sealed class IlgpuCpuModelParityTests(ITestOutputHelper output) : ModelParityTests(output, IlgpuBackend.CreateCpu())
{
    // The emulator needs ~40 s per text backward: one padded text.
    protected override int[] TextGradientCases => [1];
}
