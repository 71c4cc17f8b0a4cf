using System.Diagnostics;
using System.Text;
using Tips.Model;

namespace Tips.Tests.Checkpoints;

/// <summary>A per-test scratch directory, and builders for hand-made (often hostile) files.</summary>
public sealed class TestFiles : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("tips-ckpt-").FullName;

    public string Path(string name) => System.IO.Path.Combine(Dir, name);

    public string Write(string name, byte[] bytes)
    {
        var p = Path(name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    /// <summary>An .npy file with a literal header dict, padded like numpy (v1: u16 length, v2/v3: u32).</summary>
    public static byte[] Npy(string dict, byte[] data, int version = 1)
    {
        int prefix = version == 1 ? 10 : 12;
        var text = dict + "\n";
        int padded = (prefix + text.Length + 63) / 64 * 64 - prefix;
        text = dict + new string(' ', padded - text.Length) + "\n";
        var header = Encoding.Latin1.GetBytes(text);
        var b = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0 };
        if (version == 1) b.AddRange(BitConverter.GetBytes((ushort)header.Length));
        else b.AddRange(BitConverter.GetBytes((uint)header.Length));
        b.AddRange(header);
        b.AddRange(data);
        return [.. b];
    }

    public static byte[] F32Bytes(params float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    /// <summary>The action must throw <see cref="TipsException"/> quickly, with every fragment in its message.</summary>
    public static TipsException Fails(Action action, params string[] fragments)
    {
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<TipsException>(action);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
        Assert.DoesNotContain('\n', e.Message);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
        return e;
    }
}
