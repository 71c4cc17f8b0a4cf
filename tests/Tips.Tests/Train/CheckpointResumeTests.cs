using Tips.Kernels;
using Tips.Train.Training;

namespace Tips.Tests.Train;

/// <summary>Saving a run and resuming it reproduces the uninterrupted run bit for bit on cpu.</summary>
public sealed class CheckpointResumeTests : IDisposable
{
    private readonly IBackend _backend = Backends.Create("cpu");
    private readonly string _dir = Directory.CreateTempSubdirectory("tips-resume-").FullName;

    public void Dispose()
    {
        _backend.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static TrainBatch BatchFor(int step) => TinyTraining.RandomBatch(new Random(100 + step), 3, 2);

    [Theory]
    [InlineData(TeacherMode.FullEma)]
    [InlineData(TeacherMode.HeadOnlyEma)]
    public void ResumedRunRepeatsTheLossesBitExactly(TeacherMode teacher)
    {
        var options = TinyTraining.Options with { Teacher = teacher, FreezeLastLayerSteps = 1, MaskKind = MaskKind.Block };
        string path = Path.Combine(_dir, "step2.safetensors");
        var straight = new List<StepReport>();
        Dictionary<string, float[]> finalState;
        using (var a = new TipsTrainer(_backend, TinyTraining.Config(), options))
        {
            for (int s = 0; s < 4; s++)
            {
                straight.Add(a.TrainStep([BatchFor(s)]));
                if (s == 1) a.SaveCheckpoint(path);
            }
            finalState = a.StateTensors().ToDictionary(p => p.Key, p => p.Value.ToHost());
        }
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));

        // A trainer with another seed: everything that matters must come from the checkpoint.
        using var b = new TipsTrainer(_backend, TinyTraining.Config(), options with { Seed = 99 });
        b.LoadCheckpoint(path);
        Assert.Equal(2, b.Step);
        for (int s = 2; s < 4; s++)
        {
            var r = b.TrainStep([BatchFor(s)]);
            Assert.Equal(straight[s].Loss, r.Loss);
            Assert.Equal(straight[s].Mask, r.Mask);
            Assert.Equal(straight[s].GradNorm, r.GradNorm);
        }
        foreach (var (key, t) in b.StateTensors()) Assert.Equal(finalState[key], t.ToHost());
    }

    [Fact]
    public void CheckpointOfAnotherModelFailsClearly()
    {
        string path = Path.Combine(_dir, "other.safetensors");
        using (var a = new TipsTrainer(_backend, TinyTraining.Config(width: 16), TinyTraining.Options)) a.SaveCheckpoint(path);
        using var b = new TipsTrainer(_backend, TinyTraining.Config(width: 8), TinyTraining.Options);
        var e = Assert.Throws<Tips.Model.TipsException>(() => b.LoadCheckpoint(path));
        Assert.Contains("student.vision.cls_token", e.Message);
        using var c = new TipsTrainer(_backend, TinyTraining.Config(width: 16), TinyTraining.Options with { Teacher = TeacherMode.HeadOnlyEma });
        Assert.Throws<Tips.Model.TipsException>(() => c.LoadCheckpoint(path));
    }
}
