using Tips.Kernels;
using Tips.Train.Training;

namespace Tips.Tests.Train;

/// <summary>Sequential training, the stage times of a step, and the loss-curve drawing.</summary>
public sealed class TrainReportingTests : IDisposable
{
    private readonly IBackend _backend = Backends.Create("cpu");

    public void Dispose() => _backend.Dispose();

    [Fact]
    public void SequentialRunTrainsContrastiveOnlyFirst()
    {
        var options = TinyTraining.Options with { TotalSteps = 4, Sequential = 0.5f };
        using var trainer = new TipsTrainer(_backend, TinyTraining.Config(), options);
        var centers = trainer.Dino.Center.ToHost();
        var reports = new StepReport[4];
        for (int s = 0; s < 4; s++)
        {
            reports[s] = trainer.TrainStep([TinyTraining.RandomBatch(new Random(s), 3, 2)]);
            if (s >= 2) continue;
            Assert.True(float.IsFinite(reports[s].ClipWeb) && float.IsFinite(reports[s].ClipSynthetic));
            Assert.True(float.IsNaN(reports[s].Distill) && float.IsNaN(reports[s].Mask), $"step {s}");
            Assert.Equal(0.5f * (reports[s].ClipWeb + reports[s].ClipSynthetic), reports[s].Loss, 6);
            Assert.Equal(centers, trainer.Dino.Center.ToHost());
        }
        Assert.All(reports[2..], r => Assert.True(float.IsFinite(r.Distill) && float.IsFinite(r.Mask)));
        Assert.NotEqual(centers, trainer.Dino.Center.ToHost());
        Assert.All(reports, r => Assert.True(r.ForwardSeconds > 0 && r.BackwardSeconds > 0 && r.OptimizerSeconds > 0));
        Assert.Equal(MathF.Log(1f / 0.07f), reports[0].LogInvTauWeb, 1);
        Assert.NotEqual(MathF.Log(1f / 0.07f), reports[0].LogInvTauWeb);
    }

    [Fact]
    public void SkippedStepStillReportsItsStageTimes()
    {
        using var trainer = new TipsTrainer(_backend, TinyTraining.Config(), TinyTraining.Options);
        var batch = TinyTraining.RandomBatch(new Random(1), 2, 1);
        batch.Global[0] = float.PositiveInfinity;
        var r = trainer.TrainStep([batch]);
        Assert.True(r.Skipped);
        Assert.True(r.ForwardSeconds > 0);
        Assert.Equal(0, r.BackwardSeconds);
    }

    [Fact]
    public void StageSharesAreFractionsOfTheStep()
    {
        var t = new StageTimes(0.1, 0.3, 0.5, 0.05, 1.0) + new StageTimes(0.1, 0.3, 0.5, 0.05, 1.0);
        Assert.Equal(2.0, t.Total);
        Assert.Equal("data 10.0% forward 30.0% backward 50.0% optimizer 5.0%", t.Shares());
    }

    [Fact]
    public void LossCurveDrawsEachTermWithGapsAtMissingValues()
    {
        // loss falls 4 -> 2 over steps 0..10; mask is off (NaN); clip_web is missing at step 5.
        var points = Enumerable.Range(0, 11).Select(s => (s, new[] { 4f - 0.2f * s, 3f, 1f, 1.5f, float.NaN })).ToList();
        points[5].Item2[1] = float.NaN;
        var image = LossCurve.Draw(points);
        (float, float, float) At(int y, int x) => (image[y, x, 0], image[y, x, 1], image[y, x, 2]);
        const int left = 60, top = 40, plotW = 800 - 60 - 20, plotH = 480 - 40 - 40;
        int X(int step) => left + (int)Math.Round(step / 10.0 * (plotW - 1));
        int Y(float v) => top + (int)Math.Round((4f - v) / 3f * (plotH - 1));
        Assert.Equal(LossCurve.Series[0].Color, At(Y(4f), X(0)));
        Assert.Equal(LossCurve.Series[0].Color, At(Y(3f), X(5)));
        Assert.Equal(LossCurve.Series[0].Color, At(Y(2f), X(10)));
        Assert.Equal(LossCurve.Series[2].Color, At(Y(1f), X(7)));
        Assert.Equal(LossCurve.Series[3].Color, At(Y(1.5f), X(7)));
        Assert.Equal(LossCurve.Series[1].Color, At(Y(3f), X(2)));
        // The gap: nothing of clip_web between steps 4 and 6.
        Assert.NotEqual(LossCurve.Series[1].Color, At(Y(3f), (X(4) + X(5)) / 2));
        var mask = LossCurve.Series[4].Color;
        for (int y = 0; y < 480; y++)
            for (int x = 0; x < 800; x++)
                Assert.NotEqual(mask, At(y, x));
    }
}
