using Tips.Model;
using Tips.Model.Images;

namespace Tips.Tests.Cli;

/// <summary>The README's C# example, compiled with the tests (it needs the official weights, so it is not run);
/// <see cref="ReadmeExampleTests"/> checks that the README shows exactly these lines.</summary>
internal static class ReadmeExample
{
    public static void Run()
    {
        // readme-begin
        using var tips = TipsPipeline.Load(vision: "weights/tips_oss_b14_highres_distilled_vision.npz",
            text: "weights/tips_oss_b14_highres_distilled_text.npz", tokenizer: "weights/tokenizer.model");
        var image = tips.EncodeImage("cat.jpg");                 // Cls1, Cls2 (1, D), PatchTokens (1, 32, 32, D)
        var texts = tips.EncodeText(["a photo of a cat", "a photo of a dog"]);
        double[][] cosines = Embeddings.Cosine(image.Cls1, texts.Embeddings, tips.Width);
        float[] probs = tips.Classify("cat.jpg", ["cat", "dog", "car"], "a photo of a {}.");
        var street = ImageLoader.Load("street.jpg");
        var seg = tips.Segment(street, ["sky", "tree", "road"]);  // seg.Labels: a class index per pixel
        var pca = tips.Pca([street]);                             // pca.Maps[0].Upsample(h, w): an RGB map
        Console.WriteLine($"{cosines[0][0]:F3} {probs[0]:P1} {seg.Labels[0]} {pca.Variances[0]:G3}");
        // readme-end
    }
}
