using Tips.Model.Config;
using Tips.Train.Training;

namespace Tips.Tests.Train;

/// <summary>A tiny model and recipe for training tests: patch 7, 14 px global crops, 7 px local crops.</summary>
public static class TinyTraining
{
    public static TipsConfig Config(int width = 16, int depth = 1, int vocab = 24) => new(
        new VisionConfig(width, depth, 2, 2 * width, FfnKind.Mlp, 7, 2),
        new TextConfig(width, depth, 2, 2 * width, vocab, 8));

    public static TrainOptions Options => new()
    {
        HeadHidden = 16,
        HeadBottleneck = 8,
        Prototypes = 12,
        TotalSteps = 10,
        WarmupSteps = 2,
        LearningRate = 1e-2f,
        Seed = 7,
    };

    /// <summary>A batch of random pixels and ids: B examples, M local crops.</summary>
    public static TrainBatch RandomBatch(Random rng, int batch, int localCrops, int global = 14, int local = 7, int tokens = 5, int vocab = 24)
    {
        float[] Pixels(int n) => Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
        int[] Ids() => Enumerable.Range(0, batch * tokens).Select(i => i % tokens == tokens - 1 ? 0 : 1 + rng.Next(vocab - 1)).ToArray();
        return new TrainBatch(batch, Pixels(batch * global * global * 3), global, Pixels(localCrops * batch * local * local * 3),
            localCrops, local, Ids(), Ids());
    }
}
