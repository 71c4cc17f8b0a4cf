using System.Text.Json;
using Tips.Model;
using Tips.Tests.Cli;
using Tips.Train.Data;
using Tips.Train.Eval;

namespace Tips.Tests.Eval;

/// <summary>tips eval --data fashion-mnist on a small subset with the tiny fixture model.</summary>
public class FashionProbeTests
{
    [Fact]
    public void EvalCommandReportsProbeAndKnnAboveChanceMatchingAReference()
    {
        using var run = new CliRun();
        var json = run.File("fashion.json");
        var table = CliRun.Ok(["eval", .. CliRun.Vision, "--data", "fashion-mnist", "--probe-images", "300", "--test-images", "100", "--out", json]);
        Assert.Contains("fashion_linear_acc", table);
        Assert.Contains("fashion_knn_acc", table);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var metrics = doc.RootElement.GetProperty("metrics");
        double linear = metrics.GetProperty("fashion_linear_acc").GetProperty("value").GetDouble();
        double knn = metrics.GetProperty("fashion_knn_acc").GetProperty("value").GetDouble();
        double chance = metrics.GetProperty("fashion_knn_acc").GetProperty("chance").GetDouble();
        Assert.Equal("300", doc.RootElement.GetProperty("setup").GetProperty("train_images").GetString());

        var train = FashionMnist.Load(true, 300);
        var test = FashionMnist.Load(false, 100);
        // Chance: the most frequent of the 300 training labels, predicted for every test image.
        int mode = train.Labels.GroupBy(l => l).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        Assert.Equal(test.Labels.Count(l => l == mode) / 100.0, chance, 1e-12);
        // Frozen features of even the tiny random model separate clothing classes far above chance.
        Assert.True(linear > 0.3 && knn > 0.3, $"linear {linear:F3}, kNN {knn:F3}, chance {chance:F3}");

        // Independent kNN in float64: summed cosine of the 10 nearest training rows per class.
        using var tips = TipsPipeline.Load(CliRun.Tiny("vision.npz"), configPath: CliRun.Tiny("config.json"), device: "cpu");
        var x = FashionProbe.Encode(tips, train);
        var xt = FashionProbe.Encode(tips, test);
        int d = tips.Width, correct = 0;
        for (int i = 0; i < 100; i++)
        {
            var sims = Enumerable.Range(0, 300).Select(j =>
            {
                double dot = 0, a = 0, b = 0;
                for (int k = 0; k < d; k++)
                {
                    dot += (double)xt[i * d + k] * x[j * d + k];
                    a += (double)xt[i * d + k] * xt[i * d + k];
                    b += (double)x[j * d + k] * x[j * d + k];
                }
                return (Sim: dot / Math.Sqrt(a * b), Label: train.Labels[j]);
            }).OrderByDescending(s => s.Sim).Take(10).ToArray();
            var votes = new double[10];
            foreach (var (sim, label) in sims) votes[label] += sim;
            if (Array.IndexOf(votes, votes.Max()) == test.Labels[i]) correct++;
        }
        Assert.Equal(correct / 100.0, knn, 1e-12);
        // Rows are unit length.
        for (int i = 0; i < 300; i++) Assert.Equal(1.0, Math.Sqrt(x.AsSpan(i * d, d).ToArray().Sum(v => (double)v * v)), 1e-5);
    }
}
