using Tips.Model;

namespace Tips.Train.Data;

/// <summary>The first <see cref="Count"/> generated scenes of one split, as an example source.</summary>
public sealed class SceneDataset(SceneGenerator generator, Split split, long count) : IExampleSource
{
    public SceneGenerator Generator { get; } = generator;
    public Split Split { get; } = split;

    public long Count { get; } = count is > 0 and <= SceneGenerator.SplitSize
        ? count : throw new TipsException($"scene count must be in 1..2^40, got {count}");

    public Scene GetScene(long index) => index >= 0 && index < Count
        ? Generator.Generate(Split, index)
        : throw new TipsException($"scene {index} is outside [0, {Count})");

    public Example Get(long index) => GetScene(index).Example;
}
