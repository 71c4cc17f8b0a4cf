using System.Diagnostics;
using System.Runtime.InteropServices;
using Tips.Model.Checkpoints;
using Tips.Train.Training;

namespace Tips.Tests.Train;

/// <summary>A real SIGINT/SIGTERM to a running <c>tips train</c> process: it finishes the step, checkpoints and exits 0.</summary>
public sealed partial class TrainSignalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tips-train-signal-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [Theory]
    [InlineData(2)] // SIGINT, as Ctrl-C sends
    [InlineData(15)] // SIGTERM
    public async Task SignalWritesACheckpointAndExitsCleanly(int signal)
    {
        string run = Path.Combine(_dir, "run.json"), outDir = Path.Combine(_dir, "out");
        File.WriteAllText(run, $$$"""
            {"model": "{{{Path.Combine(Paths.Tiny, "config.json")}}}", "tokenizer": "{{{Path.Combine(Paths.Tiny, "tokenizer.model")}}}",
             "data": {"scenes": {"count": 50, "size": 64}}, "batch_size": 2, "global_size": 56, "local_size": 28,
             "local_crops": 1, "checkpoint_every": 1000,
             "train": {"total_steps": 100000, "head_hidden": 32, "head_bottleneck": 16, "prototypes": 32}}
            """);
        string tips = Path.Combine(AppContext.BaseDirectory, "tips.dll");
        // Through env --default-signal: a test run started in the background by a non-interactive shell inherits SIGINT
        // ignored (so that Ctrl-C reaches only the foreground job), and a process that starts with it ignored keeps it so.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", tips, "train", "--config", run, "--out", outDir }) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        string metrics = Path.Combine(outDir, MetricsLog.FileName);
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(metrics) && new FileInfo(metrics).Length > 0))
        {
            if (p.HasExited) Assert.Fail($"tips train exited early: {await stderr}");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "no step finished within 3 minutes");
            await Task.Delay(50);
        }
        Assert.Equal(0, Kill(p.Id, signal));
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "tips train did not stop after the signal");
        string err = await stderr, output = await stdout;
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {err}");
        Assert.Contains("interrupted: checkpoint at step", output);
        var meta = StateDict.Load(Path.Combine(outDir, TrainCommand.CheckpointFile)).Metadata;
        int steps = File.ReadAllLines(metrics).Length;
        Assert.Equal(steps.ToString(System.Globalization.CultureInfo.InvariantCulture), meta["step"]);
        Assert.True(File.Exists(Path.Combine(outDir, TrainCommand.CurveFile)));
    }
}
