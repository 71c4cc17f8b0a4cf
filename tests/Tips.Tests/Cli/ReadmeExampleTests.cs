namespace Tips.Tests.Cli;

public class ReadmeExampleTests
{
    [Fact]
    public void ReadmeShowsTheCompiledExample()
    {
        var source = File.ReadAllLines(Path.Combine(Paths.RepoRoot, "tests", "Tips.Tests", "Cli", "ReadmeExample.cs"));
        var usings = source.Where(l => l.StartsWith("using Tips.", StringComparison.Ordinal));
        var body = source.SkipWhile(l => !l.Contains("// readme-begin")).Skip(1).TakeWhile(l => !l.Contains("// readme-end")).ToArray();
        int indent = body.Min(l => l.Length - l.TrimStart().Length);
        var expected = usings.Append("").Concat(body.Select(l => l[indent..])).ToArray();

        var readme = File.ReadAllLines(Path.Combine(Paths.RepoRoot, "README.md"));
        var block = readme.SkipWhile(l => l != "<!-- csharp-example: tests/Tips.Tests/Cli/ReadmeExample.cs -->").Skip(1).ToArray();
        Assert.True(block.Length > 0, "README has no marked C# example");
        Assert.Equal("```csharp", block[0]);
        Assert.Equal(expected, block.Skip(1).TakeWhile(l => l != "```").ToArray());
    }
}
