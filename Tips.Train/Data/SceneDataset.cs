using Tips.Model;

namespace Tips.Train.Data;

/// <summary>The first <see cref="Count"/> examples of generated scenes of one split, as an example source. With
/// <paramref name="kindVariants"/> v &gt; 1, examples come in groups of v: example g v is scene g and example g v + j
/// its kind variant j (<see cref="SceneGenerator.GenerateKindVariant"/>).</summary>
public sealed class SceneDataset(SceneGenerator generator, Split split, long count, int kindVariants = 1) : IExampleSource
{
    public int KindVariants { get; } = kindVariants is >= 1 and <= SceneWords.ClassCount
        ? kindVariants : throw new TipsException($"kind variants must be in 1..{SceneWords.ClassCount}, got {kindVariants}");

    public SceneGenerator Generator { get; } = generator;
    public Split Split { get; } = split;

    public long Count { get; } = count is > 0 and <= SceneGenerator.SplitSize
        ? count : throw new TipsException($"scene count must be in 1..2^40, got {count}");

    public Scene GetScene(long index) => index >= 0 && index < Count
        ? index % KindVariants == 0 ? Generator.Generate(Split, index / KindVariants) : Generator.GenerateKindVariant(Split, index / KindVariants, (int)(index % KindVariants))
        : throw new TipsException($"scene {index} is outside [0, {Count})");

    public Example Get(long index) => GetScene(index).Example;
}
