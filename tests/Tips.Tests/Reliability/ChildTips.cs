using System.Diagnostics;

namespace Tips.Tests.Reliability;

/// <summary>The built <c>tips</c> command (tips.dll beside the test assembly) as a child process that can be killed.</summary>
public static class ChildTips
{
    private static string Dll => Path.Combine(AppContext.BaseDirectory, "tips.dll");

    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        var p = Process.Start(info) ?? throw new InvalidOperationException("cannot start tips");
        // Drain both pipes so a chatty child never blocks on a full pipe.
        var output = new System.Text.StringBuilder();
        Outputs.Add(p, output);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (p) LastError = e.Data; };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Process, System.Text.StringBuilder> Outputs = new();

    public static string? LastError { get; private set; }

    /// <summary>Runs to completion; returns the exit code.</summary>
    public static int Run(TimeSpan limit, params string[] args) => RunWithOutput(limit, args).Code;

    /// <summary>Runs to completion; returns the exit code and stdout.</summary>
    public static (int Code, string Out) RunWithOutput(TimeSpan limit, params string[] args)
    {
        using var p = Start(args);
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"tips {string.Join(' ', args)} ran longer than {limit}");
        }
        p.WaitForExit();
        var output = Outputs.TryGetValue(p, out var o) ? o : new System.Text.StringBuilder();
        lock (output) return (p.ExitCode, output.ToString());
    }

    /// <summary>Starts tips and SIGKILLs it <paramref name="delay"/> after <paramref name="ready"/> (polled with the
    /// stdout so far) first holds; true when it finished on its own first (exit 0).</summary>
    public static bool RunOrKill(TimeSpan delay, Func<string, bool> ready, params string[] args)
    {
        using var p = Start(args);
        var output = Outputs.TryGetValue(p, out var o) ? o : throw new InvalidOperationException("no output");
        while (!p.HasExited)
        {
            lock (output)
                if (ready(output.ToString())) break;
            Thread.Sleep(2);
        }
        if (p.WaitForExit(delay))
        {
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"tips {string.Join(' ', args)} exited {p.ExitCode}: {LastError}");
            return true;
        }
        p.Kill(entireProcessTree: true);
        p.WaitForExit();
        return false;
    }
}
