using System.Globalization;
using System.Text;
using Tips.Train.Training;

namespace Tips.Train.Eval;

/// <summary>One training setting of the ablation: a name and the switches it changes on the tiny recipe.</summary>
public sealed record AblationSetting(string Name, string Description, Func<TrainOptions, TrainOptions> Apply);

/// <summary>The paper's ablations (tips-training.md) as settings of the project's trainer, and the report of their results.</summary>
public static class Ablation
{
    private static TrainOptions ClipOnly(TrainOptions o, CaptionMode captions) => o with { Captions = captions, Distill = false, MaskedPatches = false };

    public static IReadOnlyList<AblationSetting> Settings { get; } =
    [
        new("web_only", "web captions only, CLS1 (CLIP baseline)", o => ClipOnly(o, CaptionMode.Web)),
        new("synthetic_only", "synthetic captions only, CLS2", o => ClipOnly(o, CaptionMode.Synthetic)),
        new("both_dual_cls", "both captions, dual CLS", o => ClipOnly(o, CaptionMode.Both)),
        new("plus_distill", "+ self-distillation", o => o with { Captions = CaptionMode.Both, Distill = true, MaskedPatches = false }),
        new("plus_masked_75", "+ masked-patch loss (iBOT, 75%): the full recipe", o => o with { Captions = CaptionMode.Both, Distill = true, MaskedPatches = true, MaskRatio = 0.75f }),
        new("mask_50", "full recipe, mask ratio 50%", o => o with { MaskedPatches = true, MaskRatio = 0.5f }),
        new("mask_25", "full recipe, mask ratio 25%", o => o with { MaskedPatches = true, MaskRatio = 0.25f }),
        new("ibot_plus_plus", "full recipe with iBOT++ (loss on all positions)", o => o with { MaskedPatches = true, MaskRatio = 0.75f, IbotAllPositions = true }),
        new("sequential", "contrastive only for the first half, then the full recipe", o => o with { MaskedPatches = true, MaskRatio = 0.75f, Sequential = 0.5f }),
    ];

    /// <summary>Mean and sample standard deviation (0 for one value).</summary>
    public static (double Mean, double Std) Stats(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        double var = values.Count < 2 ? 0 : values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return (mean, Math.Sqrt(var));
    }

    /// <summary>A paper trend: setting <paramref name="Better"/> beats <paramref name="Worse"/> on <paramref name="Metric"/> (lower is better for RMSE).</summary>
    public sealed record Trend(string Claim, string Metric, string Better, string Worse, bool Flat = false);

    public static IReadOnlyList<Trend> Trends { get; } =
    [
        new("synthetic captions help dense features (PASCAL 64.4 -> higher)", "probe_seg_miou", "both_dual_cls", "web_only"),
        new("synthetic captions help retrieval (79.1 -> 88.7 R@1)", "retrieval_web_i2t", "both_dual_cls", "web_only"),
        new("self-distillation helps segmentation (64.4 -> 70.3)", "probe_seg_miou", "plus_distill", "both_dual_cls"),
        new("masked-patch loss helps segmentation (-> 75.9)", "probe_seg_miou", "plus_masked_75", "plus_distill"),
        new("masked-patch loss helps depth (RMSE 0.589 -> 0.511)", "probe_depth_rmse", "plus_masked_75", "plus_distill"),
        new("masked-patch loss leaves kNN flat (79.1 -> 79.0)", "knn_cls_acc", "plus_masked_75", "plus_distill", Flat: true),
        new("mask 75% gives better depth than 50% (0.478 vs 0.501)", "probe_depth_rmse", "plus_masked_75", "mask_50"),
        new("mask 50% gives better depth than 25% (0.501 vs 0.533)", "probe_depth_rmse", "mask_50", "mask_25"),
        new("mask 25% and 75% give about the same retrieval (90.5 vs 89.2)", "retrieval_synthetic_i2t", "mask_25", "plus_masked_75", Flat: true),
        new("iBOT++ helps zero-shot segmentation (3.5 -> 17.6 mIoU)", "zeroshot_seg_miou", "ibot_plus_plus", "plus_masked_75"),
        new("joint training beats CLIP first, then masking (segmentation)", "probe_seg_miou", "plus_masked_75", "sequential"),
        new("joint training beats CLIP first, then masking (depth)", "probe_depth_rmse", "plus_masked_75", "sequential"),
    ];

    /// <summary>The markdown report: budget, table of mean ± std per setting and metric, the trends, and what is missing.</summary>
    public static string Report(IReadOnlyDictionary<string, List<EvalReport>> results, IReadOnlyList<string> metricNames, string budget, string plot)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder("# TIPS ablations on generated scenes (tiny model)\n\n");
        s.AppendLine($"Budget: {budget}").AppendLine();
        s.AppendLine("Mean ± sample std over seeds (each seed: the same data order and evaluation, a different model init/mask draws). " +
                     "Higher is better except `probe_depth_rmse`; the last row is the chance level of each metric (the mean predictor for depth).").AppendLine();
        s.Append("| setting | ").Append(string.Join(" | ", metricNames)).Append(" |\n|---|").Append(string.Concat(metricNames.Select(_ => "---:|"))).Append('\n');
        foreach (var setting in Settings.Where(x => results.ContainsKey(x.Name)))
        {
            s.Append(inv, $"| {setting.Name} ({setting.Description}) |");
            foreach (var m in metricNames)
            {
                var (mean, std) = Stats(results[setting.Name].Select(r => r[m]).ToArray());
                s.Append(inv, $" {mean:F3} ± {std:F3} |");
            }
            s.Append('\n');
        }
        var first = results.Values.First()[0];
        s.Append("| chance |").Append(string.Concat(metricNames.Select(m => string.Create(inv, $" {first.Metrics.First(x => x.Name == m).Chance:F3} |")))).Append('\n');
        s.AppendLine().AppendLine($"![ablation plot]({plot})").AppendLine().AppendLine("## The paper's trends").AppendLine();
        s.AppendLine("A trend counts as reproduced when the difference has the paper's sign and exceeds the larger of the two seed spreads; a flat trend when the difference is within max(spread, 0.02).").AppendLine();
        foreach (var t in Trends)
        {
            if (!results.ContainsKey(t.Better) || !results.ContainsKey(t.Worse)) { s.AppendLine($"- {t.Claim}: not run"); continue; }
            var (b, bs) = Stats(results[t.Better].Select(r => r[t.Metric]).ToArray());
            var (w, ws) = Stats(results[t.Worse].Select(r => r[t.Metric]).ToArray());
            bool lower = t.Metric.EndsWith("rmse", StringComparison.Ordinal);
            double gain = lower ? w - b : b - w, spread = Math.Max(bs, ws);
            bool oneSeed = results[t.Better].Count < 2 || results[t.Worse].Count < 2;
            string verdict = t.Flat
                ? Math.Abs(gain) <= Math.Max(spread, 0.02) ? "reproduced" : "not reproduced"
                : gain <= 0 ? "not reproduced"
                : oneSeed ? "same sign (one seed: not tested against seed noise)"
                : gain > spread ? "reproduced" : "same sign, within the spread";
            s.AppendLine(inv, $"- {t.Claim}: `{t.Metric}` {t.Better} {b:F3} vs {t.Worse} {w:F3} -> **{verdict}**");
        }
        return s.ToString();
    }
}
