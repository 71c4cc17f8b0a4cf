using System.Buffers.Binary;
using System.IO.Compression;
using Tips.Model.Checkpoints;

namespace Tips.Tests.Checkpoints;

/// <summary>Hostile .npz archives: lying sizes, duplicates, truncation, corruption.</summary>
public class NpzValidationTests : IDisposable
{
    private readonly TestFiles files = new();

    public void Dispose() => files.Dispose();

    private static readonly byte[] Member = TestFiles.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", TestFiles.F32Bytes(1f, 2f, 3f, 4f));

    private static byte[] Zip(CompressionLevel level, params (string Name, byte[] Data)[] members)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, data) in members)
            {
                using var s = zip.CreateEntry(name, level).Open();
                s.Write(data);
            }
        return ms.ToArray();
    }

    /// <summary>Rewrites the uncompressed size of the first member in its local header and the central directory.</summary>
    private static void SetDeclaredSize(byte[] zip, uint size)
    {
        Assert.Equal(0x04034b50u, BinaryPrimitives.ReadUInt32LittleEndian(zip));
        BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(22), size);
        int central = IndexOf(zip, [0x50, 0x4b, 0x01, 0x02]);
        BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(central + 24), size);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        int i = haystack.AsSpan().IndexOf(needle);
        Assert.True(i >= 0);
        return i;
    }

    [Fact]
    public void KeysWithDotsAndSlashesLoad()
    {
        var path = files.Write("k.npz", Zip(CompressionLevel.Optimal, ("blocks.0.attn.qkv.weight.npy", Member), ("224x224/cls1.npy", Member)));
        var sd = StateDict.LoadNpz(path);
        Assert.Equal(["blocks.0.attn.qkv.weight", "224x224/cls1"], sd.Keys);
        Assert.Equal([1f, 2f, 3f, 4f], sd["224x224/cls1"].Floats);
    }

    [Fact]
    public void DuplicateMembersFail() =>
        TestFiles.Fails(() => StateDict.LoadNpz(files.Write("d.npz", Zip(CompressionLevel.NoCompression, ("w.npy", Member), ("w.npy", Member)))),
            "d.npz", "duplicate member 'w.npy'");

    [Fact]
    public void MembersNotNamedNpyFail() =>
        TestFiles.Fails(() => StateDict.LoadNpz(files.Write("n.npz", Zip(CompressionLevel.NoCompression, ("w.bin", Member)))), "'w.bin'", "<key>.npy");

    [Fact]
    public void NotAZipFails() =>
        TestFiles.Fails(() => StateDict.LoadNpz(files.Write("x.npz", Member)), "x.npz", "not a valid .npz");

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    public void TruncatedArchivesFail(double keep)
    {
        var zip = Zip(CompressionLevel.Optimal, ("a.npy", Member), ("b.npy", Member));
        TestFiles.Fails(() => StateDict.LoadNpz(files.Write("t.npz", zip[..(int)(zip.Length * keep)])), "t.npz");
    }

    [Fact]
    public void MemberLargerThanItsDeclaredSizeFails()
    {
        // A valid 4-element array followed by 8 MB of zeros that the declared size does not admit.
        var bomb = Member.Concat(new byte[8 << 20]).ToArray();
        var zip = Zip(CompressionLevel.Optimal, ("a.npy", bomb));
        SetDeclaredSize(zip, (uint)Member.Length);
        TestFiles.Fails(() => StateDict.LoadNpz(files.Write("bomb.npz", zip)), "bomb.npz", "'a.npy'");
    }

    [Fact]
    public void DeclaredSizeBeyondDeflateRatioFailsBeforeAllocating()
    {
        var zip = Zip(CompressionLevel.Optimal, ("a.npy", Member));
        SetDeclaredSize(zip, 0xF0000000);
        TestFiles.Fails(() => StateDict.LoadNpz(files.Write("ratio.npz", zip)), "declared size 4026531840", "zip bomb");
    }

    [Fact]
    public void MemberShorterThanDeclaredFails()
    {
        var zip = Zip(CompressionLevel.Optimal, ("a.npy", Member));
        SetDeclaredSize(zip, (uint)Member.Length + 400);
        TestFiles.Fails(() => StateDict.LoadNpz(files.Write("short.npz", zip)), "short.npz", "'a.npy'");
    }

    [Fact]
    public void TotalDecompressedSizeIsCapped()
    {
        var path = files.Write("cap.npz", Zip(CompressionLevel.Optimal, ("a.npy", Member), ("b.npy", Member)));
        TestFiles.Fails(() => Npz.Read(path, maxTotalBytes: Member.Length + 10), "more than");
        Assert.Equal(2, Npz.Read(path, maxTotalBytes: 2 * Member.Length).Count);
    }

    [Fact]
    public void CorruptDeflateDataFails()
    {
        var data = TestFiles.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (256,), }", TestFiles.F32Bytes(Enumerable.Range(0, 256).Select(i => (float)Math.Sin(i)).ToArray()));
        var zip = Zip(CompressionLevel.Optimal, ("a.npy", data));
        for (int i = 40; i < 80; i++) zip[i] ^= 0x5A;
        TestFiles.Fails(() => StateDict.LoadNpz(files.Write("c.npz", zip)), "c.npz");
    }

    [Fact]
    public void CorruptStoredDataFailsTheChecksum()
    {
        var zip = Zip(CompressionLevel.NoCompression, ("a.npy", Member));
        zip[30 + "a.npy".Length + Member.Length - 1] ^= 0x01;
        TestFiles.Fails(() => StateDict.LoadNpz(files.Write("crc.npz", zip)), "crc.npz", "'a.npy'");
    }
}
