using Tips.Model;
using Tips.Model.Images;

namespace Tips.Train.Cli;

/// <summary>The files of an image folder in a stable order, decoded with unreadable ones skipped.</summary>
internal static class ImageFolder
{
    /// <summary>Regular, non-hidden files directly in <paramref name="dir"/>, sorted by ordinal file name.</summary>
    public static string[] List(string dir) =>
        Directory.EnumerateFiles(dir)
            .Where(f => !Path.GetFileName(f).StartsWith('.'))
            .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)
            .ToArray();

    /// <summary>Decodes each file; one that fails is reported on <paramref name="err"/> and left out.</summary>
    public static List<(string Path, RgbImage Image)> Decode(IEnumerable<string> files, TextWriter err, List<string>? skipped = null)
    {
        var result = new List<(string, RgbImage)>();
        foreach (var file in files)
        {
            try
            {
                result.Add((file, ImageLoader.Load(file)));
            }
            catch (TipsException e)
            {
                err.WriteLine($"tips: skipping {Path.GetFileName(file)}: {Program.OneLine(e.Message)}");
                skipped?.Add(file);
            }
        }
        return result;
    }
}
