using Tips.Train;
using Tips.Train.Cli;

namespace Tips.Tests.Cli;

public class ArgsTests
{
    private static readonly CommandSpec Spec = new("demo", "", "", ["--out", "--size", "--n", "--p"], ["--image"], (_, _) => 0);

    [Fact]
    public void ParsesSpacedAndInlineValuesAndRepeats()
    {
        var a = Args.Parse(Spec, ["--out=x.npz", "--image", "a.png", "--image=b=c.png", "--size", "42x70", "--n", "7", "--device", "cpu"]);
        Assert.Equal("x.npz", a.Required("--out"));
        Assert.Equal(["a.png", "b=c.png"], a.All("--image"));
        Assert.Equal((42, 70), a.Size("--size"));
        Assert.Equal(7, a.Int("--n", 1, 1, 10));
        Assert.Equal("cpu", a.Optional("--device"));
        Assert.Null(a.Optional("--missing"));
        Assert.False(a.Help);
        Assert.True(Args.Parse(Spec, ["-h"]).Help);
        // A value may itself start with dashes: it is taken as the value, not as an option.
        Assert.Equal("--weird", Args.Parse(Spec, ["--out", "--weird"]).Required("--out"));
    }

    [Theory]
    [InlineData("--n", "11")]
    [InlineData("--n", "x")]
    [InlineData("--n", "+3")]
    [InlineData("--size", "42x")]
    [InlineData("--size", "4x2x7")]
    [InlineData("--size", "-42x70")]
    public void BadValuesAreUsageErrors(string flag, string value)
    {
        var a = Args.Parse(Spec, [flag, value]);
        Assert.Throws<UsageException>(() => flag == "--n" ? a.Int(flag, 1, 1, 10) : a.Size(flag)!.Value.Height);
    }

    [Theory]
    [InlineData("0.25", 0.25)]
    [InlineData("1e-1", 0.1)]
    [InlineData("0", 0.0)]
    [InlineData("1", 1.0)]
    public void NumbersParseInvariantly(string text, double expected)
    {
        Assert.Equal(expected, Args.Parse(Spec, ["--p", text]).Double("--p", 0.5, 0, 1));
        Assert.Equal(0.5, Args.Parse(Spec, []).Double("--p", 0.5, 0, 1));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1.01")]
    [InlineData("-0.1")]
    [InlineData("0,5")]
    [InlineData("half")]
    public void BadNumbersAreUsageErrors(string text)
    {
        var e = Assert.Throws<UsageException>(() => Args.Parse(Spec, ["--p", text]).Double("--p", 0.5, 0, 1));
        Assert.Equal($"demo: --p must be a number in 0..1, got '{text}'", e.Message);
    }

    [Fact]
    public void StructuralErrorsAreUsageErrors()
    {
        Assert.Throws<UsageException>(() => Args.Parse(Spec, ["--out"]));
        Assert.Throws<UsageException>(() => Args.Parse(Spec, ["--out", "a", "--out", "b"]));
        Assert.Throws<UsageException>(() => Args.Parse(Spec, ["--nope", "a"]));
        Assert.Throws<UsageException>(() => Args.Parse(Spec, ["stray"]));
        Assert.Throws<UsageException>(() => Args.Parse(Spec, []).Required("--out"));
    }
}
