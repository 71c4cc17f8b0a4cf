using Tips.Model.Checkpoints;
using Tips.Model.Config;
using Tips.Tests.Checkpoints;

namespace Tips.Tests.Config;

/// <summary>Configs read off checkpoint shapes, and checkpoints checked against configs.</summary>
public class ConfigInferenceTests
{
    private static string Tiny(string name) => Path.Combine(Paths.Tiny, name);

    [Fact]
    public void TinyConfigIsInferredFromTheFixtureCheckpoints()
    {
        var expected = TipsConfig.Load(Tiny("config.json"));
        var inferred = ConfigInference.Infer(StateDict.LoadNpz(Tiny("vision.npz")), StateDict.LoadNpz(Tiny("text.npz")), heads: expected.Vision.Heads);
        Assert.Equal(expected, inferred);
    }

    [Fact]
    public void HeaderOnlyShapesGiveTheSameConfig()
    {
        var expected = TipsConfig.Load(Tiny("config.json"));
        var inferred = ConfigInference.Infer(StateDict.ReadShapes(Tiny("vision.npz")), StateDict.ReadShapes(Tiny("text.npz")), heads: 2);
        Assert.Equal(expected, inferred);
    }

    [Fact]
    public void TinyHeadsCannotBeGuessed() =>
        TestFiles.Fails(() => ConfigInference.Infer(StateDict.LoadNpz(Tiny("vision.npz")), StateDict.LoadNpz(Tiny("text.npz"))),
            "vision.npz", "width 64, depth 2", "heads must come from a config");

    [Fact]
    public void FixtureKeysAreExactlyTheConfigLayoutInOrder()
    {
        var config = TipsConfig.Load(Tiny("config.json"));
        Assert.Equal(ParameterShapes.Vision(config.Vision).Keys, StateDict.LoadNpz(Tiny("vision.npz")).Keys);
        Assert.Equal(ParameterShapes.Text(config.Text).Keys, StateDict.LoadNpz(Tiny("text.npz")).Keys);
        ConfigInference.Validate(config, StateDict.LoadNpz(Tiny("vision.npz")), StateDict.LoadNpz(Tiny("text.npz")));
    }

    /// <summary>Shapes only (nothing allocated): every official variant is recognised, heads included.</summary>
    [Theory]
    [InlineData("S/14")]
    [InlineData("B/14")]
    [InlineData("L/14")]
    [InlineData("So400m/14")]
    [InlineData("g/14")]
    [InlineData("g/14-lowres")]
    public void EveryOfficialVariantRoundTripsThroughInference(string name)
    {
        var config = TipsConfig.FromVariant(name);
        var vision = ParameterShapes.Vision(config.Vision);
        var text = ParameterShapes.Text(config.Text);
        Assert.Equal(config, ConfigInference.Infer(vision, text));
        vision.Remove("mask_token");
        Assert.Equal(config, ConfigInference.Infer(vision, text));
        ConfigInference.Validate(config, vision, text);
    }

    [Fact]
    public void ShapeMismatchNamesTheKeyAndBothShapes()
    {
        var config = TipsConfig.FromVariant("B/14");
        var vision = ParameterShapes.Vision(config.Vision);
        var text = ParameterShapes.Text(config.Text);
        vision["blocks.7.attn.qkv.weight"] = [2304, 767];
        TestFiles.Fails(() => ConfigInference.Validate(config, vision, text, "v.npz", "t.npz"),
            "v.npz", "'blocks.7.attn.qkv.weight' is (2304, 767) in the file, expected (2304, 768)");
        TestFiles.Fails(() => ConfigInference.Infer(vision, text, visionSource: "v.npz"), "v.npz", "blocks.7.attn.qkv.weight");
    }

    [Fact]
    public void MissingAndUnexpectedKeysAreListedTogether()
    {
        var config = TipsConfig.FromVariant("S/14");
        var vision = ParameterShapes.Vision(config.Vision);
        var text = ParameterShapes.Text(config.Text);
        text.Remove("temperature");
        text.Remove("ln_final.bias");
        text["logit_scale"] = [];
        TestFiles.Fails(() => ConfigInference.Validate(config, vision, text, "v.npz", "t.npz"),
            "t.npz", "missing keys 'temperature', 'ln_final.bias'", "unexpected keys 'logit_scale'");
    }

    [Fact]
    public void WrongConfigForAFileFails()
    {
        var vision = ParameterShapes.Vision(TipsConfig.FromVariant("g/14").Vision);
        var text = ParameterShapes.Text(TipsConfig.FromVariant("g/14").Text);
        TestFiles.Fails(() => ConfigInference.Validate(TipsConfig.FromVariant("g/14-lowres"), vision, text),
            "'pos_embed' is (1, 1025, 1536) in the file, expected (1, 257, 1536)");
        TestFiles.Fails(() => ConfigInference.Validate(TipsConfig.FromVariant("L/14"), vision, text), "missing keys", "unexpected keys", "mlp.w12.weight");
    }

    [Fact]
    public void MalformedCheckpointShapesFail()
    {
        var config = TipsConfig.FromVariant("S/14");
        var good = ParameterShapes.Vision(config.Vision);

        var gap = new Dictionary<string, int[]>(good);
        foreach (var k in gap.Keys.Where(k => k.StartsWith("blocks.5.")).ToList()) gap.Remove(k);
        TestFiles.Fails(() => ConfigInference.InferVision(gap), "not 0..11 without gaps");

        var grid = new Dictionary<string, int[]>(good) { ["pos_embed"] = [1, 1000, 384] };
        TestFiles.Fails(() => ConfigInference.InferVision(grid), "'pos_embed' is (1, 1000, 384)", "1 + G*G");

        var patch = new Dictionary<string, int[]>(good) { ["patch_embed.proj.weight"] = [384, 3, 14, 16] };
        TestFiles.Fails(() => ConfigInference.InferVision(patch), "(D, 3, P, P)");

        var noPatch = new Dictionary<string, int[]>(good);
        noPatch.Remove("patch_embed.proj.weight");
        TestFiles.Fails(() => ConfigInference.InferVision(noPatch), "missing key 'patch_embed.proj.weight'");

        var noFfn = good.Where(kv => !kv.Key.Contains(".mlp.")).ToDictionary();
        TestFiles.Fails(() => ConfigInference.InferVision(noFfn), "neither 'blocks.0.mlp.fc1.weight' nor 'blocks.0.mlp.w12.weight'");

        var badIndex = new Dictionary<string, int[]>(good) { ["blocks.x.norm1.weight"] = [384] };
        TestFiles.Fails(() => ConfigInference.InferVision(badIndex), "'blocks.x.norm1.weight' has no block index");

        TestFiles.Fails(() => ConfigInference.InferVision(good, heads: 5), "not divisible by 5 heads");
        TestFiles.Fails(() => ConfigInference.InferText(ParameterShapes.Text(config.Text), heads: 7), "not divisible by 7 heads");
    }

    [Fact]
    public void ExplicitHeadsOverrideTheVariant()
    {
        var config = TipsConfig.FromVariant("B/14");
        var v = ConfigInference.InferVision(ParameterShapes.Vision(config.Vision), heads: 6);
        Assert.Equal(config.Vision with { Heads = 6 }, v);
    }

    [Fact]
    public void StateDictStrictLoadHelpers()
    {
        var sd = StateDict.LoadNpz(Tiny("vision.npz"));
        Assert.Equal(64 * 3 * 14 * 14, sd.Floats("patch_embed.proj.weight", 64, 3, 14, 14).Length);
        TestFiles.Fails(() => sd.Floats("patch_embed.proj.weight", 64, 3, 16, 16), "vision.npz", "'patch_embed.proj.weight' is (64, 3, 14, 14) in the file, expected (64, 3, 16, 16)");
        TestFiles.Fails(() => _ = sd["blocks.9.ls1.gamma"], "vision.npz", "missing key 'blocks.9.ls1.gamma'");
        var expected = new Dictionary<string, int[]>(sd.Shapes()) { ["extra"] = [1] };
        expected.Remove("norm.bias");
        TestFiles.Fails(() => sd.CheckShapes(expected), "missing keys 'extra'", "unexpected keys 'norm.bias'");
        TestFiles.Fails(() => StateDict.LoadNpz(Tiny("expected.npz")).Floats("text/ids", 6, 64), "'text/ids' is I32, expected a float array");
    }
}
