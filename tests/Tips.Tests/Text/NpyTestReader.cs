using System.IO.Compression;
using System.Text.RegularExpressions;

namespace Tips.Tests.Text;

/// <summary>Reads one little-endian int32 NPY member of an .npz (enough for the fixture's text/ids).</summary>
internal static partial class NpyTestReader
{
    public static (int[] Shape, int[] Data) ReadInt32(string npzPath, string key)
    {
        using var zip = ZipFile.OpenRead(npzPath);
        var entry = zip.GetEntry(key + ".npy") ?? throw new InvalidOperationException($"{key}.npy not in {npzPath}");
        using var ms = new MemoryStream();
        using (var s = entry.Open()) s.CopyTo(ms);
        var bytes = ms.ToArray();
        Assert.Equal([0x93, .. "NUMPY"u8], bytes[..6]);
        int major = bytes[6];
        int headerLen = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        int start = major == 1 ? 10 : 12;
        string header = System.Text.Encoding.ASCII.GetString(bytes, start, headerLen);
        Assert.Contains("'descr': '<i4'", header);
        Assert.Contains("'fortran_order': False", header);
        var shape = ShapeRegex().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        int count = shape.Aggregate(1, (a, b) => a * b);
        var data = new int[count];
        Buffer.BlockCopy(bytes, start + headerLen, data, 0, count * 4);
        return (shape, data);
    }

    [GeneratedRegex(@"'shape': \(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
