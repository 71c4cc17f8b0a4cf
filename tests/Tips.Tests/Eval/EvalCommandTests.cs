using System.Text.Json;
using Tips.Tests.Cli;
using Tips.Train.Cli;
using Tips.Train.Eval;

namespace Tips.Tests.Eval;

/// <summary>
/// A very short demo (3 steps, few evaluation images) that must write every file, then tips eval and tips ablate on
/// the same tiny sizes: the plumbing, not the numbers (those are in the README, measured by a full demo).
/// </summary>
public sealed class EvalCommandTests : IDisposable
{
    private readonly CliRun _run = new();

    public void Dispose() => _run.Dispose();

    private static readonly string[] MetricNames =
    [
        "probe_seg_miou", "probe_depth_rmse", "retrieval_web_i2t", "retrieval_web_t2i", "retrieval_synthetic_i2t",
        "retrieval_synthetic_t2i", "zeroshot_cls_acc", "knn_cls_acc", "zeroshot_seg_miou",
    ];

    [Fact]
    public void ShortDemoWritesEveryFileAndEvalReadsItsModel()
    {
        string demo = _run.File("demo");
        var stdout = CliRun.Ok("demo", "--out", demo, "--steps", "3", "--batch", "4", "--probe-images", "12", "--test-images", "6",
            "--typical-colour-share", "0.5");
        foreach (var f in new[] { DemoCommand.MetricsMarkdown, DemoCommand.MetricsJson, DemoCommand.PcaPng, DemoCommand.SegmentationPng,
                     TinyRun.ConfigFile, TinyRun.TokenizerFile, TinyRun.VisionFile, TinyRun.TextFile })
            Assert.True(new FileInfo(Path.Combine(demo, f)).Length > 0, f);
        Assert.Contains("3 steps of batch 4", stdout);
        CheckJson(File.ReadAllText(Path.Combine(demo, DemoCommand.MetricsJson)), probeImages: 12, testImages: 6, share: "0.5");
        Assert.Contains("| probe_seg_miou |", File.ReadAllText(Path.Combine(demo, DemoCommand.MetricsMarkdown)));

        // The untrained column is the same evaluation of the initial weights, which the demo leaves beside the model.
        string untrained = Path.Combine(demo, DemoCommand.UntrainedDir);
        Assert.Contains("| metric | value | chance | untrained | description |", File.ReadAllText(Path.Combine(demo, DemoCommand.MetricsMarkdown)));
        Assert.Contains(" untrained ", stdout);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(demo, TinyRun.VisionFile)), File.ReadAllBytes(Path.Combine(untrained, TinyRun.VisionFile)));
        string again = _run.File("untrained.json");
        CliRun.Ok("eval", "--vision", Path.Combine(untrained, TinyRun.VisionFile), "--text", Path.Combine(untrained, TinyRun.TextFile),
            "--tokenizer", Path.Combine(untrained, TinyRun.TokenizerFile), "--config", Path.Combine(untrained, TinyRun.ConfigFile),
            "--probe-images", "12", "--test-images", "6", "--segment-images", "1", "--typical-colour-share", "0.5", "--out", again);
        using (var demoJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(demo, DemoCommand.MetricsJson))))
        using (var evalJson = JsonDocument.Parse(File.ReadAllText(again)))
            foreach (var m in new[] { "probe_seg_miou", "probe_depth_rmse", "retrieval_synthetic_i2t", "knn_cls_acc" })
                Assert.Equal(evalJson.RootElement.GetProperty("metrics").GetProperty(m).GetProperty("value").GetDouble(),
                    demoJson.RootElement.GetProperty("metrics").GetProperty(m).GetProperty("untrained").GetDouble(), 9);

        string json = _run.File("results.json");
        var table = CliRun.Ok("eval", "--vision", Path.Combine(demo, TinyRun.VisionFile), "--text", Path.Combine(demo, TinyRun.TextFile),
            "--tokenizer", Path.Combine(demo, TinyRun.TokenizerFile), "--config", Path.Combine(demo, TinyRun.ConfigFile),
            "--probe-images", "10", "--test-images", "5", "--segment-images", "2", "--device", "cpu", "--out", json);
        foreach (var m in MetricNames) Assert.Contains(m, table);
        CheckJson(File.ReadAllText(json), probeImages: 10, testImages: 5, share: "0.75");
    }

    [Fact]
    public void AblateWritesAReportAndAPlot()
    {
        string dir = _run.File("ablation");
        CliRun.Ok("ablate", "--out", dir, "--seeds", "1", "--steps", "2", "--batch", "4", "--only", "web_only,plus_masked_75",
            "--probe-images", "10", "--test-images", "5");
        var report = File.ReadAllText(Path.Combine(dir, AblateCommand.ReportFile));
        Assert.Contains("| web_only (", report);
        Assert.Contains("| plus_masked_75 (", report);
        Assert.Contains("1 seed(s) x 2 settings (2 of 2 runs done), 2 steps", report);
        Assert.Contains("| chance |", report);
        Assert.Contains("not run", report);
        Assert.True(new FileInfo(Path.Combine(dir, AblateCommand.PlotFile)).Length > 0);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, AblateCommand.ResultsFile)));
        Assert.Equal(1, doc.RootElement.GetProperty("web_only").GetArrayLength());
    }

    [Fact]
    public void BadArgumentsAreOneLineErrors()
    {
        var (code, _, err) = CliRun.Run("eval", "--vision", "v", "--text", "t", "--tokenizer", "m", "--data", _run.File("missing"));
        Assert.Equal(2, code);
        Assert.Contains("is neither 'generated', 'stamps', 'fashion-mnist' nor a folder", err);
        (code, _, err) = CliRun.Run("ablate", "--out", _run.File("x"), "--only", "no_such_setting");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        (code, _, err) = CliRun.Run("eval", "--vision", "v", "--text", "t", "--tokenizer", "m", "--data", "stamps", "--typical-colour-share", "0.5");
        Assert.Equal(2, code);
        Assert.Contains("--typical-colour-share applies to --data generated only", err);
        (code, _, err) = CliRun.Run("demo", "--out", _run.File("y"), "--typical-colour-share", "2");
        Assert.Equal(2, code);
        Assert.Contains("--typical-colour-share must be a number in 0..1, got '2'", err);
    }

    private static void CheckJson(string json, int probeImages, int testImages, string share)
    {
        using var doc = JsonDocument.Parse(json);
        var metrics = doc.RootElement.GetProperty("metrics");
        Assert.Equal(MetricNames, metrics.EnumerateObject().Select(p => p.Name).ToArray());
        foreach (var m in metrics.EnumerateObject())
        {
            Assert.True(double.IsFinite(m.Value.GetProperty("value").GetDouble()), m.Name);
            Assert.True(double.IsFinite(m.Value.GetProperty("chance").GetDouble()), m.Name);
            Assert.Equal(m.Name != "probe_depth_rmse", m.Value.GetProperty("higher_is_better").GetBoolean());
        }
        var setup = doc.RootElement.GetProperty("setup");
        Assert.Equal(probeImages.ToString(), setup.GetProperty("probe_images").GetString());
        Assert.Equal(testImages.ToString(), setup.GetProperty("test_images").GetString());
        Assert.Equal(share, setup.GetProperty("typical_colour_share").GetString());
    }
}
