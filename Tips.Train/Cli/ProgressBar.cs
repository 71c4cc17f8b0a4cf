using System.Diagnostics;

namespace Tips.Train.Cli;

/// <summary>A one-line progress bar on stderr: done/total, rate and time left, redrawn with a carriage return.</summary>
internal sealed class ProgressBar(TextWriter err, int total, int alreadyDone)
{
    private const int Cells = 30;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly int start = alreadyDone;
    private int done = alreadyDone;

    public void Advance(int count)
    {
        done += count;
        int filled = total == 0 ? Cells : (int)((long)done * Cells / total);
        double rate = (done - start) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
        var eta = rate > 0 ? TimeSpan.FromSeconds((total - done) / rate) : TimeSpan.Zero;
        err.Write($"\r[{new string('#', filled)}{new string('.', Cells - filled)}] {done}/{total} files  {rate:F1}/s  eta {eta:hh\\:mm\\:ss}");
        if (done >= total) err.WriteLine();
        err.Flush();
    }
}
