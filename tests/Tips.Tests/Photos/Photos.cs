using System.Diagnostics;
using System.Text;
using Tips.Train.Data;

namespace Tips.Tests.Photos;

/// <summary>
/// skimage's CC0 photographs and netpbm's decoders (libpng, libjpeg-turbo), both extracted by
/// `scripts/setup.sh --tests`. Missing packages fail the test with DebianData's message saying how to get them.
/// </summary>
public static class Photos
{
    public static string Path(string name) => System.IO.Path.Combine(DebianData.SkimageImages(), name);

    /// <summary>RGB photographs of several sizes and aspect ratios.</summary>
    public static readonly string[] Rgb = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"];

    /// <summary>A copy of each named photograph in a fresh folder of <paramref name="run"/>.</summary>
    public static string Folder(Cli.CliRun run, string name, params string[] photos)
    {
        var dir = run.File(name);
        Directory.CreateDirectory(dir);
        foreach (var p in photos) File.Copy(Path(p), System.IO.Path.Combine(dir, p));
        return dir;
    }

    /// <summary>Decodes with netpbm (pngtopam -alphapam for PNG, jpegtopnm for JPEG): (height, width, depth, samples).</summary>
    public static (int Height, int Width, int Depth, byte[] Samples) NetpbmDecode(string file)
    {
        bool png = file.EndsWith(".png", StringComparison.OrdinalIgnoreCase);
        var tool = DebianData.Locate(DebianData.Netpbm, png ? "usr/bin/pngtopam" : "usr/bin/jpegtopnm");
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (png) start.ArgumentList.Add("-alphapam");
        start.ArgumentList.Add(file);
        // libnetpbm comes from the same extraction root when the package is not installed system-wide.
        var lib = System.IO.Path.GetFullPath(System.IO.Path.Combine(tool, "..", "..", "lib"));
        start.Environment["LD_LIBRARY_PATH"] = string.Join(':', Directory.GetDirectories(lib, "*-linux-gnu"));
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{start.FileName} {file}: exit {process.ExitCode}: {stderr.Result}");
        return ParseNetpbm(output.ToArray());
    }

    /// <summary>Parses binary PPM (P6), PGM (P5) or PAM (P7) with maxval 255.</summary>
    private static (int, int, int, byte[]) ParseNetpbm(byte[] data)
    {
        int pos = 0;
        string Line()
        {
            int end = Array.IndexOf(data, (byte)'\n', pos);
            var s = Encoding.ASCII.GetString(data, pos, end - pos);
            pos = end + 1;
            return s;
        }
        string magic = Line();
        int width, height, depth, maxval;
        if (magic == "P7")
        {
            var fields = new Dictionary<string, string>();
            for (string l = Line(); l != "ENDHDR"; l = Line())
            {
                var parts = l.Split(' ', 2);
                fields[parts[0]] = parts.Length > 1 ? parts[1] : "";
            }
            (width, height, depth, maxval) = (int.Parse(fields["WIDTH"]), int.Parse(fields["HEIGHT"]), int.Parse(fields["DEPTH"]), int.Parse(fields["MAXVAL"]));
        }
        else
        {
            Assert.True(magic is "P6" or "P5", $"unexpected netpbm format {magic}");
            var size = Line().Split(' ');
            (width, height, maxval) = (int.Parse(size[0]), int.Parse(size[1]), int.Parse(Line()));
            depth = magic == "P6" ? 3 : 1;
        }
        Assert.Equal(255, maxval);
        Assert.Equal((long)width * height * depth, data.Length - pos);
        return (height, width, depth, data[pos..]);
    }
}
