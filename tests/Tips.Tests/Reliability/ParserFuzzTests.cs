namespace Tips.Tests.Reliability;

/// <summary>
/// Mutation fuzzing of every parser: each mutant is accepted or rejected with one TipsException, within the time
/// and allocation bounds of <see cref="HostileInput"/>. TIPS_FUZZ_ITERATIONS (per parser) and TIPS_FUZZ_SEED make
/// the long run of scripts/fuzz.sh; the suite runs a short fixed-seed pass.
/// </summary>
public sealed class ParserFuzzTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tips-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int Iterations(int suiteDefault) =>
        Environment.GetEnvironmentVariable("TIPS_FUZZ_ITERATIONS") is { Length: > 0 } s ? int.Parse(s) : suiteDefault;

    private static int Seed => Environment.GetEnvironmentVariable("TIPS_FUZZ_SEED") is { Length: > 0 } s ? int.Parse(s) : 20261128;

    [Theory]
    [InlineData("npy", 800)]
    [InlineData("npz", 600)]
    [InlineData("safetensors", 800)]
    [InlineData("sentencepiece", 200)]
    [InlineData("config", 600)]
    [InlineData("image", 600)]
    [InlineData("run", 400)]
    [InlineData("jsonl", 300)]
    public void MutantsAreAcceptedOrRejectedWithTipsException(string name, int suiteIterations)
    {
        var parser = Parser.Named(name);
        var seeds = parser.Seeds();
        foreach (var (seed, i) in seeds.Select((s, i) => (s, i)))
            Assert.True(HostileInput.Check(seed, $"{name} seed {i}", b => ParseBytes(parser, b), $"{name}-seed{i}{parser.Extension}"), $"{name} seed {i} is rejected");
        // HashCode.Combine is randomised per process; the suite's pass must be the same mutants every run.
        var rng = new Random(Seed ^ name.Aggregate(17, (h, c) => h * 31 + c));
        int accepted = 0, rejected = 0, n = Iterations(suiteIterations);
        for (int i = 0; i < n; i++)
        {
            var seed = seeds[i % seeds.Length];
            var mutant = Mutator.Mutate(seed, rng, parser.HotEnd(seed));
            if (HostileInput.Check(mutant, $"{name} mutant {i} (seed {Seed})", b => ParseBytes(parser, b), $"{name}-{Seed}-{i}{parser.Extension}")) accepted++;
            else rejected++;
        }
        // Mutations that are all rejected at the first byte, or all accepted, would test nothing.
        Assert.True(rejected > n / 4, $"{name}: only {rejected} of {n} mutants rejected");
        Console.WriteLine($"fuzz {name}: {n} mutants, {accepted} accepted, {rejected} rejected");
    }

    private void ParseBytes(Parser parser, byte[] data)
    {
        string path = Path.Combine(_dir, "input" + Environment.CurrentManagedThreadId + parser.Extension);
        File.WriteAllBytes(path, data);
        parser.Parse(path);
    }
}
