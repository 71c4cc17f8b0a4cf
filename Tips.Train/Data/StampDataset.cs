using Tips.Model;

namespace Tips.Train.Data;

/// <summary>The first <see cref="Count"/> stamp scenes of one split, as an example source.</summary>
public sealed class StampDataset(StampSceneGenerator generator, Split split, long count) : IExampleSource
{
    public StampSceneGenerator Generator { get; } = generator;
    public Split Split { get; } = split;

    public long Count { get; } = count is > 0 and <= SceneGenerator.SplitSize
        ? count : throw new TipsException($"stamp scene count must be in 1..2^40, got {count}");

    public StampScene GetScene(long index) => index >= 0 && index < Count
        ? Generator.Generate(Split, index)
        : throw new TipsException($"stamp scene {index} is outside [0, {Count})");

    public Example Get(long index) => GetScene(index).Example;
}
