using Tips.Train.Eval;

namespace Tips.Tests.Eval;

/// <summary>The ablation report's statistics and trend verdicts on made-up results with known outcomes.</summary>
public sealed class AblationReportTests
{
    private static EvalReport Report(double seg, double depth) => new(
        [new Metric("probe_seg_miou", seg, 0.1, true, ""), new Metric("probe_depth_rmse", depth, 20, false, ""), new Metric("knn_cls_acc", 0.5, 0.125, true, "")],
        new Dictionary<string, string>());

    private static string Verdict(string report, string claimStart) =>
        report.Split('\n').Single(l => l.StartsWith("- " + claimStart, StringComparison.Ordinal));

    [Fact]
    public void StatsAreMeanAndSampleStd()
    {
        var (mean, std) = Ablation.Stats([1.0, 2.0, 4.0]);
        Assert.Equal(7.0 / 3, mean, 12);
        Assert.Equal(Math.Sqrt(((1 - 7.0 / 3) * (1 - 7.0 / 3) + (2 - 7.0 / 3) * (2 - 7.0 / 3) + (4 - 7.0 / 3) * (4 - 7.0 / 3)) / 2), std, 12);
        Assert.Equal(0, Ablation.Stats([3.0]).Std);
    }

    [Fact]
    public void TrendsAreJudgedAgainstTheSeedSpread()
    {
        var results = new Dictionary<string, List<EvalReport>>
        {
            // Segmentation: plus_distill beats both_dual_cls by far more than the spread; depth: lower RMSE is better.
            ["both_dual_cls"] = [Report(0.20, 5.0), Report(0.22, 5.2)],
            ["plus_distill"] = [Report(0.40, 4.0), Report(0.42, 4.2)],
            // Masked: segmentation worse than plus_distill; depth better but within the spread.
            ["plus_masked_75"] = [Report(0.30, 3.0), Report(0.32, 5.0)],
        };
        string report = Ablation.Report(results, ["probe_seg_miou", "probe_depth_rmse"], "test budget", "plot.png");
        Assert.Contains("| both_dual_cls (both captions, dual CLS) | 0.210 ± 0.014 | 5.100 ± 0.141 |", report);
        Assert.Contains("| chance | 0.100 | 20.000 |", report);
        Assert.EndsWith("**reproduced**", Verdict(report, "self-distillation helps segmentation"));
        Assert.EndsWith("**not reproduced**", Verdict(report, "masked-patch loss helps segmentation"));
        Assert.EndsWith("**same sign, within the spread**", Verdict(report, "masked-patch loss helps depth"));
        Assert.EndsWith("**reproduced**", Verdict(report, "masked-patch loss leaves kNN flat"));
        Assert.EndsWith("not run", Verdict(report, "iBOT++ helps zero-shot segmentation"));
    }
}
