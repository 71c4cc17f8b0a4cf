using System.Diagnostics;
using System.Globalization;

namespace Tips.Model.Checkpoints;

/// <summary>Writes a file through a temporary sibling and a rename, so a crash never leaves a half-written
/// checkpoint under the real name.</summary>
internal static class AtomicFile
{
    private const string TempMarker = ".tmp-";

    public static void Write(string path, Action<FileStream> write)
    {
        var full = Path.GetFullPath(path);
        RemoveOrphans(full);
        // The writer's process id in the name lets a later write tell an orphan (its writer was killed) from a
        // write in progress in another process.
        var temp = full + TempMarker + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new TipsException($"{path}: cannot write ({e.Message})");
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Deletes temporary siblings of <paramref name="full"/> left by writers that no longer run.</summary>
    internal static void RemoveOrphans(string full)
    {
        string? dir = Path.GetDirectoryName(full);
        if (dir is null || !Directory.Exists(dir)) return;
        string prefix = Path.GetFileName(full) + TempMarker;
        foreach (var temp in Directory.EnumerateFiles(dir, prefix + "*"))
        {
            string rest = Path.GetFileName(temp)[prefix.Length..];
            int dash = rest.IndexOf('-');
            if (dash > 0 && int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !IsRunning(pid))
                TryDelete(temp);
        }
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string temp)
    {
        try { File.Delete(temp); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
