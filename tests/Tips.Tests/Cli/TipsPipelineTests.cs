using Tips.Model;
using Tips.Model.Checkpoints;
using Tips.Model.Images;

namespace Tips.Tests.Cli;

/// <summary>The public facade on the tiny fixture.</summary>
public class TipsPipelineTests
{
    private static readonly StateDict Expected = StateDict.LoadNpz(CliRun.Tiny("expected.npz"));

    private static TipsPipeline Load() =>
        TipsPipeline.Load(CliRun.Tiny("vision.npz"), CliRun.Tiny("text.npz"), CliRun.Tiny("tokenizer.model"),
            configPath: CliRun.Tiny("config.json"), device: "cpu");

    [Fact]
    public void ClassifyMatchesFixture()
    {
        using var tips = Load();
        Assert.Equal(56, tips.NativeSize);
        var texts = File.ReadAllLines(CliRun.Tiny("texts.txt"));
        var probs = tips.Classify(CliRun.Image("56x56"), texts, "{}");
        CliRun.RelL2(Expected["zeroshot/cls1_vs_texts"].Floats, probs, 1e-4, "probabilities");
        Assert.Equal(1.0, probs.Sum(p => (double)p), 5);
    }

    [Fact]
    public void EncodeImageAndTextMatchFixture()
    {
        using var tips = Load();
        var image = tips.EncodeImage(ImageLoader.Load(CliRun.Image("42x70")), (42, 70));
        Assert.Equal((3, 5), (image.GridHeight, image.GridWidth));
        CliRun.RelL2(Expected["42x70/patch_tokens"].Floats, image.PatchTokens, 1e-4, "patch tokens");
        var text = tips.EncodeText(File.ReadAllLines(CliRun.Tiny("texts.txt")));
        Assert.Equal(Expected["text/ids"].Ints, text.Ids);
        CliRun.RelL2(Expected["text/embeddings"].Floats, text.Embeddings, 1e-4, "text embeddings");
    }

    [Fact]
    public void SegmentationClassEmbeddingsAverageTheGivenTemplates()
    {
        using var tips = Load();
        string[] labels = ["cat", "dog"], templates = ["a {}", "photo of a {}"];
        int d = tips.Width;
        var got = Segmentation.ClassEmbeddings(tips, labels, templates);
        var released = Segmentation.ClassEmbeddings(tips, labels);
        var embeddings = tips.EncodeText(labels.SelectMany(l => templates.Select(t => t.Replace("{}", l))).ToArray()).Embeddings;
        for (int c = 0; c < labels.Length; c++)
        {
            // Float64 reference: mean of the normalised prompt embeddings, renormalised.
            var mean = new double[d];
            for (int t = 0; t < templates.Length; t++)
            {
                var row = embeddings.AsSpan((c * templates.Length + t) * d, d).ToArray().Select(v => (double)v).ToArray();
                double norm = Math.Sqrt(row.Sum(v => v * v));
                for (int k = 0; k < d; k++) mean[k] += row[k] / norm / templates.Length;
            }
            double meanNorm = Math.Sqrt(mean.Sum(v => v * v));
            for (int k = 0; k < d; k++)
                Assert.True(Math.Abs(got[c * d + k] - mean[k] / meanNorm) <= 1e-5, $"class {c}, {k}: {got[c * d + k]} vs {mean[k] / meanNorm}");
        }
        Assert.True(got.Zip(released).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "the templates changed nothing");
        Assert.Throws<TipsException>(() => Segmentation.ClassEmbeddings(tips, labels, []));
        var seg = tips.Segment(ImageLoader.Load(CliRun.Image("56x56")), labels, templates: templates);
        Assert.Equal(56 * 56, seg.Labels.Length);
    }

    [Fact]
    public void MisuseFailsWithTipsException()
    {
        Assert.Throws<TipsException>(() => TipsPipeline.Load(null));
        Assert.Throws<TipsException>(() => TipsPipeline.Load(CliRun.Tiny("vision.npz"), variant: "B", configPath: CliRun.Tiny("config.json")));
        using var vision = TipsPipeline.Load(CliRun.Tiny("vision.npz"), configPath: CliRun.Tiny("config.json"), device: "cpu");
        Assert.Contains("no text checkpoint", Assert.Throws<TipsException>(() => vision.EncodeText(["a"])).Message);
        Assert.Contains("patch size", Assert.Throws<TipsException>(() => vision.EncodeImage(CliRun.Image("56x56"), (50, 56))).Message);
        using var text = TipsPipeline.Load(null, CliRun.Tiny("text.npz"), configPath: CliRun.Tiny("config.json"), device: "cpu");
        Assert.Contains("no tokenizer", Assert.Throws<TipsException>(() => text.EncodeText(["a"])).Message);
        Assert.Contains("no vision checkpoint", Assert.Throws<TipsException>(() => text.EncodeImage(CliRun.Image("56x56"))).Message);
        Assert.Throws<TipsException>(() => Prompts.Fill("no slot", "cat"));
    }
}
