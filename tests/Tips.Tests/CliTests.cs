using Tips.Train;

namespace Tips.Tests;

public class CliTests
{
    [Fact]
    public void HelpListsCommands()
    {
        var w = new StringWriter();
        Assert.Equal(0, Program.Run(["--help"], w));
        Assert.Contains("devices", w.ToString());
    }

    [Fact]
    public void UnknownCommandIsUsageError()
    {
        Assert.Throws<UsageException>(() => Program.Run(["frobnicate"], TextWriter.Null));
    }
}
