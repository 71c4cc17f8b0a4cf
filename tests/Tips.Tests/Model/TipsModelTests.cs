using Tips.Kernels;
using Tips.Model.Images;
using Tips.Model.Text;
using Tips.Model.Towers;

namespace Tips.Tests.Model;

/// <summary>The public facade end to end: files in, features out, as a user calls it.</summary>
public sealed class TipsModelTests
{
    private static TinyFixture F => TinyFixture.Get;

    [Fact]
    public void FilesToZeroShotProbabilitiesWithInferredConfig()
    {
        using var backend = Backends.Create("cpu");
        // Sizes come from the checkpoint shapes; heads cannot, and the tiny width matches no released variant.
        using var model = TipsModel.Load(backend, Path.Combine(Paths.Tiny, "vision.npz"), Path.Combine(Paths.Tiny, "text.npz"), heads: 2);
        Assert.Equal(F.Config, new Tips.Model.Config.TipsConfig(model.Vision.Config, model.Text.Config));

        var tokenizer = TipsTokenizer.Load(Path.Combine(Paths.Tiny, "tokenizer.model"), model.Text.Config.MaxLen);
        var texts = File.ReadAllLines(Path.Combine(Paths.Tiny, "texts.txt"));
        Assert.Equal(6, texts.Length);
        var tokens = tokenizer.Encode(texts);
        var embeddings = model.EncodeTexts(tokens);
        Parity.Check("text/embeddings", F.Expected["text/embeddings"].Floats, embeddings, 1e-4);

        var image = model.EncodeImage(ImageLoader.Load(Path.Combine(Paths.Tiny, "images", "img_56x56.png")));
        Parity.Check("56x56/cls1", F.Expected["56x56/cls1"].Floats, image.Cls1, 1e-4);
        Parity.Check("zeroshot", F.Expected["zeroshot/cls1_vs_texts"].Floats, model.ZeroShot(image.Cls1, embeddings), 1e-4);
    }
}
