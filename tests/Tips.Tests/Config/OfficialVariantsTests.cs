using Tips.Model.Config;
using Tips.Tests.Checkpoints;

namespace Tips.Tests.Config;

/// <summary>The released variants match the table in tips-model.md and are found by every spelling in use.</summary>
public class OfficialVariantsTests
{
    /// <summary>tips-model.md "Released variants": width, depth, heads, head dim, FFN hidden, FFN kind, text depth, text MLP.</summary>
    [Theory]
    [InlineData("S/14", 384, 12, 6, 64, 1536, FfnKind.Mlp, 12, 1536, 32)]
    [InlineData("B/14", 768, 12, 12, 64, 3072, FfnKind.Mlp, 12, 3072, 32)]
    [InlineData("L/14", 1024, 24, 16, 64, 4096, FfnKind.Mlp, 12, 4096, 32)]
    [InlineData("So400m/14", 1152, 27, 16, 72, 4304, FfnKind.Mlp, 27, 4304, 32)]
    [InlineData("g/14", 1536, 40, 24, 64, 4096, FfnKind.SwiGlu, 12, 6144, 32)]
    [InlineData("g/14-lowres", 1536, 40, 24, 64, 4096, FfnKind.SwiGlu, 12, 6144, 16)]
    public void TableMatchesTheSpec(string name, int width, int depth, int heads, int headDim, int hidden, FfnKind ffn, int textDepth, int textMlp, int grid)
    {
        var c = TipsConfig.FromVariant(name);
        Assert.Equal(new VisionConfig(width, depth, heads, hidden, ffn, 14, grid), c.Vision);
        Assert.Equal(new TextConfig(width, textDepth, heads, textMlp, 32000, 64), c.Text);
        Assert.Equal(headDim, c.Vision.HeadDim);
        Assert.Equal(headDim, c.Text.HeadDim);
        c.Check();
    }

    [Theory]
    [InlineData("S", "S/14")]
    [InlineData("s14", "S/14")]
    [InlineData("B", "B/14")]
    [InlineData("b14", "B/14")]
    [InlineData("B/14", "B/14")]
    [InlineData("l", "L/14")]
    [InlineData("So400m", "So400m/14")]
    [InlineData("so400m14", "So400m/14")]
    [InlineData("so14", "So400m/14")]
    [InlineData("g", "g/14")]
    [InlineData("G/14", "g/14")]
    [InlineData("g14_lowres", "g/14-lowres")]
    [InlineData("g/14-lowres", "g/14-lowres")]
    [InlineData("tips_oss_b14_highres_distilled", "B/14")]
    [InlineData("tips_oss_s14_highres_distilled_vision.npz", "S/14")]
    [InlineData("/models/tips_oss_l14_highres_distilled_text.npz", "L/14")]
    [InlineData("tips_oss_so400m14_highres_largetext_distilled_vision.npz", "So400m/14")]
    [InlineData("tips_oss_g14_highres_vision.npz", "g/14")]
    [InlineData("tips_oss_g14_lowres_text.npz", "g/14-lowres")]
    [InlineData("tips_v2_oss_so14", "So400m/14")]
    [InlineData("tips_v2_oss_g14_vision.npz", "g/14")]
    public void AliasesResolve(string alias, string name) => Assert.Equal(name, OfficialVariants.Get(alias).Name);

    [Theory]
    [InlineData("X")]
    [InlineData("b16")]
    [InlineData("s14_lowres")]
    [InlineData("")]
    [InlineData("tips_oss_h14")]
    public void UnknownNamesFail(string name) => TestFiles.Fails(() => TipsConfig.FromVariant(name), "unknown TIPS variant", "B/14", "So400m/14");

    [Fact]
    public void HeadsAreFoundByWidthDepthAndFfn()
    {
        Assert.Equal(16, OfficialVariants.VisionHeads(1152, 27, FfnKind.Mlp));
        Assert.Equal(24, OfficialVariants.VisionHeads(1536, 40, FfnKind.SwiGlu));
        Assert.Null(OfficialVariants.VisionHeads(1536, 40, FfnKind.Mlp));
        Assert.Null(OfficialVariants.VisionHeads(64, 2, FfnKind.Mlp));
        Assert.Equal(16, OfficialVariants.TextHeads(1152, 27, 4304));
        Assert.Equal(24, OfficialVariants.TextHeads(1536, 12, 6144));
        Assert.Null(OfficialVariants.TextHeads(768, 27, 3072));
    }
}
