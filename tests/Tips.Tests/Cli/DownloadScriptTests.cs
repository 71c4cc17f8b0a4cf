using System.Diagnostics;

namespace Tips.Tests.Cli;

/// <summary>weights/download.sh argument handling (no network: only --dry-run and the failures before any download).</summary>
public class DownloadScriptTests
{
    private static (int Code, string Out, string Err) Script(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Paths.RepoRoot, "weights", "download.sh"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(30_000), "download.sh did not finish");
        return (p.ExitCode, stdout.Result, stderr);
    }

    [Fact]
    public void DryRunListsReleaseUrls()
    {
        var (code, stdout, _) = Script("--dry-run", "B14");
        Assert.Equal(0, code);
        Assert.Equal([
            "https://storage.googleapis.com/tips_data/v1_0/checkpoints/tokenizer.model",
            "https://storage.googleapis.com/tips_data/v1_0/checkpoints/pytorch/tips_oss_b14_highres_distilled_vision.npz",
            "https://storage.googleapis.com/tips_data/v1_0/checkpoints/pytorch/tips_oss_b14_highres_distilled_text.npz",
        ], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var v2 = Script("--v2", "--dry-run", "all").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(9, v2.Length);
        Assert.Contains("https://storage.googleapis.com/tips_data/v2_0/checkpoints/pytorch/tips_v2_oss_so14_text.npz", v2);
        Assert.Equal(13, Script("--dry-run", "all").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Theory]
    [InlineData(2, "unknown v1 variant", "x14")]
    [InlineData(2, "unknown v2 variant", "--v2", "s14")]
    [InlineData(2, "no variant", "--dry-run")]
    [InlineData(2, "unknown option", "--fast", "b14")]
    [InlineData(2, "needs a folder", "b14", "--dest")]
    [InlineData(1, "does not exist", "--dest", "/nonexistent-tips-folder", "b14")]
    public void BadArgumentsFailWithOneLine(int expected, string says, params string[] args)
    {
        var (code, stdout, stderr) = Script(args);
        Assert.Equal(expected, code);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(says, stderr);
    }

    [Fact]
    public void HelpExitsZero()
    {
        var (code, stdout, _) = Script("--help");
        Assert.Equal(0, code);
        Assert.StartsWith("usage: weights/download.sh", stdout);
    }
}
