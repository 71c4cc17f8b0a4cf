using Tips.Model;
using Tips.Model.Config;
using Tips.Tests.Checkpoints;

namespace Tips.Tests.Config;

/// <summary>Strict config JSON: the fixture parses to the README's numbers; every deviation fails with the field named.</summary>
public class TipsConfigTests
{
    private const string Good = """
        {"vision": {"width": 64, "depth": 2, "heads": 2, "mlp_dim": 256, "ffn": "mlp", "patch_size": 14, "pos_grid": 4},
         "text": {"width": 64, "depth": 2, "heads": 2, "mlp_dim": 256, "vocab_size": 1000, "max_len": 64}}
        """;

    [Fact]
    public void FixtureConfigParses()
    {
        var c = TipsConfig.Load(Path.Combine(Paths.Tiny, "config.json"));
        Assert.Equal(new VisionConfig(64, 2, 2, 256, FfnKind.Mlp, 14, 4), c.Vision);
        Assert.Equal(new TextConfig(64, 2, 2, 256, 1000, 64), c.Text);
        Assert.Equal(32, c.Vision.HeadDim);
    }

    [Fact]
    public void JsonRoundTrips()
    {
        var c = TipsConfig.Parse(Good);
        Assert.Equal(c, TipsConfig.Parse(c.ToJson()));
        var g = TipsConfig.FromVariant("g/14");
        Assert.Contains("\"ffn\": \"swiglu\"", g.ToJson());
        Assert.Equal(g, TipsConfig.Parse(g.ToJson()));
        var path = Path.Combine(Path.GetTempPath(), $"tips-config-{Guid.NewGuid():N}.json");
        try
        {
            g.Save(path);
            Assert.Equal(g, TipsConfig.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("\"width\": 64, \"depth\"", "\"width\": 64, \"colour\": 1, \"depth\"", "unknown field 'vision.colour'")]
    [InlineData("\"max_len\": 64", "\"max_len\": 64, \"max_len\": 64", "'text.max_len' appears twice")]
    [InlineData("\"vocab_size\": 1000, ", "", "missing field 'text.vocab_size'")]
    [InlineData("\"width\": 64, \"depth\": 2, \"heads\": 2, \"mlp_dim\": 256, \"ffn\"", "\"width\": \"64\", \"depth\": 2, \"heads\": 2, \"mlp_dim\": 256, \"ffn\"", "vision.width must be an integer, got \"64\"")]
    [InlineData("\"patch_size\": 14", "\"patch_size\": 14.5", "vision.patch_size must be an integer, got 14.5")]
    [InlineData("\"patch_size\": 14", "\"patch_size\": 14.0", "vision.patch_size must be an integer")]
    [InlineData("\"patch_size\": 14", "\"patch_size\": null", "vision.patch_size must be an integer, got null")]
    [InlineData("\"pos_grid\": 4", "\"pos_grid\": 0", "vision.pos_grid = 0 is out of range")]
    [InlineData("\"pos_grid\": 4", "\"pos_grid\": -4", "vision.pos_grid = -4 is out of range")]
    [InlineData("\"vocab_size\": 1000", "\"vocab_size\": 1000000000", "text.vocab_size = 1000000000 is out of range")]
    [InlineData("\"vocab_size\": 1000", "\"vocab_size\": 10000000000000", "text.vocab_size must be an integer")]
    [InlineData("\"ffn\": \"mlp\"", "\"ffn\": \"gelu\"", "vision.ffn must be \"mlp\" or \"swiglu\", got \"gelu\"")]
    [InlineData("\"ffn\": \"mlp\"", "\"ffn\": 1", "vision.ffn must be a string")]
    [InlineData("\"heads\": 2, \"mlp_dim\": 256, \"ffn\"", "\"heads\": 3, \"mlp_dim\": 256, \"ffn\"", "vision.width 64 is not divisible by vision.heads 3")]
    [InlineData("\"heads\": 2, \"mlp_dim\": 256, \"vocab_size\"", "\"heads\": 5, \"mlp_dim\": 256, \"vocab_size\"", "text.width 64 is not divisible by text.heads 5")]
    [InlineData("\"text\": {\"width\": 64", "\"text\": {\"width\": 128", "vision.width 64 differs from text.width 128")]
    [InlineData("\"text\": {", "\"extra\": 1, \"text\": {", "unknown field 'extra'")]
    [InlineData("{\"vision\"", "[{\"vision\"", "not valid JSON")]
    [InlineData("\"max_len\": 64}}", "\"max_len\": 64}", "not valid JSON")]
    public void BadConfigsFail(string find, string replace, string fragment)
    {
        Assert.Contains(find, Good);
        TestFiles.Fails(() => TipsConfig.Parse(Good.Replace(find, replace), "cfg.json"), "cfg.json", fragment);
    }

    [Theory]
    [InlineData("[]", "top level must be a JSON object")]
    [InlineData("{\"vision\": 1, \"text\": {}}", "vision must be a JSON object")]
    [InlineData("{\"vision\": {}}", "missing field 'text'")]
    [InlineData("", "not valid JSON")]
    public void BadStructureFails(string json, string fragment) => TestFiles.Fails(() => TipsConfig.Parse(json, "cfg.json"), fragment);

    [Fact]
    public void ParametersTooLargeForOneArrayFail()
    {
        var json = Good.Replace("\"vocab_size\": 1000", "\"vocab_size\": 4000000").Replace("\"width\": 64", "\"width\": 1024").Replace("\"heads\": 2", "\"heads\": 8");
        TestFiles.Fails(() => TipsConfig.Parse(json, "cfg.json"), "token_embedding.weight", "too many");
    }

    [Fact]
    public void MissingFileFails() => TestFiles.Fails(() => TipsConfig.Load("/nonexistent/tips.json"), "/nonexistent/tips.json", "cannot read");
}
