using System.Diagnostics;

namespace Tips.Tests.Data;

/// <summary>Without the Debian packages, the commands that need them fail with one line saying how to install them.</summary>
public sealed class DebianDataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tips-nodeb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>tips in a child process whose data root ($TIPS_DEBIAN_DATA) is an empty folder.</summary>
    private (int Code, string Err) Tips(params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tips.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["TIPS_DEBIAN_DATA"] = _dir;
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "tips did not finish");
        _ = stdout.Result;
        return (p.ExitCode, stderr);
    }

    [Theory]
    [InlineData("fashion-mnist", "dataset-fashion-mnist")]
    [InlineData("stamps", "tuxpaint-stamps-default")]
    public void EvalWithoutThePackageSaysHowToInstallIt(string data, string package)
    {
        var tiny = Paths.Tiny;
        var (code, err) = Tips("eval", "--vision", Path.Combine(tiny, "vision.npz"), "--text", Path.Combine(tiny, "text.npz"),
            "--tokenizer", Path.Combine(tiny, "tokenizer.model"), "--config", Path.Combine(tiny, "config.json"), "--device", "cpu",
            "--data", data, "--probe-images", "4", "--test-images", "2");
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains($"Debian package {package} not found", err);
        Assert.Contains("scripts/setup.sh --tests", err);
        Assert.Contains(Path.Combine(_dir, "root"), err);
    }
}
