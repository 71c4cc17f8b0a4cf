using System.Diagnostics;
using System.Globalization;

namespace Tips.Train.Training;

/// <summary>
/// The training progress line on stderr, redrawn with a carriage return: step/total, the losses, images/s (of the
/// last step) and the time left (at the run's average step time so far). Notes (skipped steps) get lines of their own.
/// </summary>
internal sealed class TrainProgress(TextWriter err, int total, int first)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private bool _open;

    public void Update(StepReport r, double imagesPerSecond)
    {
        int done = r.Step + 1;
        double perStep = _clock.Elapsed.TotalSeconds / Math.Max(done - first, 1);
        var left = TimeSpan.FromSeconds(Math.Max(total - done, 0) * perStep);
        static string L(float v) => float.IsFinite(v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "-";
        err.Write(string.Create(CultureInfo.InvariantCulture,
            $"\rstep {done}/{total} loss {L(r.Loss)} (web {L(r.ClipWeb)} syn {L(r.ClipSynthetic)} distill {L(r.Distill)} mask {L(r.Mask)}) {imagesPerSecond:F1} img/s left {left:hh\\:mm\\:ss} "));
        err.Flush();
        _open = true;
    }

    public void Note(string message)
    {
        if (_open) err.WriteLine();
        err.WriteLine(message);
        err.Flush();
        _open = false;
    }

    public void Finish()
    {
        if (_open) err.WriteLine();
        _open = false;
    }
}
