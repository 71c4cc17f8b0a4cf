using Tips.Train.Data;

namespace Tips.Tests.Data;

public sealed class CaptionFlipTests
{
    [Theory]
    [InlineData("the red circle is left of the blue square.", "the red circle is right of the blue square.")]
    [InlineData("a small star at the bottom right, a ring on the left", "a small star at the bottom left, a ring on the right")]
    [InlineData("Left and RIGHT and Right", "Right and LEFT and Left")]
    [InlineData("the leftmost cup moves rightwards", "the rightmost cup moves leftwards")]
    [InlineData("bright cleft lefty righteous left-handed", "bright cleft lefty righteous right-handed")]
    [InlineData("IMG_0423.jpg", "IMG_0423.jpg")]
    [InlineData("", "")]
    public void SwapsLeftAndRightWords(string caption, string expected)
    {
        Assert.Equal(expected, CaptionFlip.FlipLeftRight(caption));
        Assert.Equal(caption, CaptionFlip.FlipLeftRight(expected));
    }
}
