using Tips.Model;

namespace Tips.Tests.Reliability;

/// <summary>
/// Runs one parse of a hostile input on its own thread under the contract of the issue: it returns or throws
/// <see cref="TipsException"/> with a one-line message, within a time bound and an allocation bound (so a
/// declared size never turns into a huge buffer). Anything else fails the test and keeps the input on disk.
/// </summary>
public static class HostileInput
{
    public static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(Environment.GetEnvironmentVariable("TIPS_FUZZ_TIMEOUT_S") is { } s ? int.Parse(s) : 20);

    /// <summary>Managed bytes one parse may allocate: a fixed allowance plus a multiple of the input size.</summary>
    public static long AllocationBound(long inputBytes) => (48L << 20) + 64 * inputBytes;

    /// <summary>True when the input was accepted, false when rejected with a TipsException.</summary>
    public static bool Check(byte[] input, string what, Action<byte[]> parse, string saveAs)
    {
        Exception? error = null;
        long allocated = 0;
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                parse(input);
            }
            catch (Exception e)
            {
                error = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, maxStackSize: 16 << 20) { IsBackground = true };
        thread.Start();
        string? problem = null;
        if (!thread.Join(TimeBound)) problem = $"no answer within {TimeBound.TotalSeconds} s (hang?)";
        else if (error is not null and not TipsException) problem = $"{error.GetType().Name} escaped: {error.Message}\n{error.StackTrace}";
        else if (error is TipsException t && (t.Message.Contains('\n') || t.Message.Length == 0)) problem = $"message is not one line: '{t.Message}'";
        else if (allocated > AllocationBound(input.Length)) problem = $"allocated {allocated >> 20} MiB for a {input.Length}-byte input";
        if (problem is not null)
        {
            string dir = Environment.GetEnvironmentVariable("TIPS_FUZZ_FAILURES") is { Length: > 0 } d ? d : Path.Combine(Path.GetTempPath(), "tips-fuzz-failures");
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, saveAs);
            File.WriteAllBytes(path, input);
            Assert.Fail($"{what}: {problem} (input kept at {path})");
        }
        return error is null;
    }
}
