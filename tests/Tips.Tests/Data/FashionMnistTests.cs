using System.Buffers.Binary;
using System.IO.Compression;
using Tips.Model;
using Tips.Train.Data;

namespace Tips.Tests.Data;

/// <summary>The IDX reader and Fashion-MNIST loader: the real files (dataset-fashion-mnist, extracted by setup.sh)
/// and hostile ones.</summary>
public sealed class FashionMnistTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tips-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RealFilesLoadWithKnownLabelsAndPixelSums()
    {
        var train = FashionMnist.Load(train: true, limit: 200);
        var test = FashionMnist.Load(train: false, limit: 100);
        Assert.Equal((200, 200 * 28 * 28), (train.Count, train.Pixels.Length));
        Assert.Equal(100, test.Count);
        // The files' first labels and the pixel sums of the first two images (read independently with Python's gzip).
        Assert.Equal([9, 0, 0, 3, 0, 2, 7, 2, 5, 5], train.Labels[..10]);
        Assert.Equal([9, 2, 1, 1, 6, 1, 4, 6, 5, 7], test.Labels[..10]);
        Assert.Equal(76247, train.Pixels[..784].Sum(b => b));
        Assert.Equal(84598, train.Pixels[784..1568].Sum(b => b));
        Assert.Equal(100994, test.Pixels[784..1568].Sum(b => b));
        Assert.Equal(10, train.Labels.Distinct().Count());
        var image = train.Image(1);
        Assert.Equal((28, 28), (image.Height, image.Width));
        for (int i = 0; i < 784; i++)
            for (int c = 0; c < 3; c++) Assert.Equal(train.Pixels[784 + i] / 255f, image.Pixels[i * 3 + c]);
        var all = IdxFile.Read(Path.Combine(DebianData.FashionMnistFolder(), "t10k-labels-idx1-ubyte.gz"));
        Assert.Equal([10000], all.Shape);
        Assert.Equal(10000, all.Rows);
        Assert.Equal(test.Labels, all.Data[..100]);
    }

    private static byte[] Idx(byte type, int[] shape, int values, int extra = 0)
    {
        var data = new byte[4 + 4 * shape.Length + values + extra];
        data[2] = type;
        data[3] = (byte)shape.Length;
        for (int i = 0; i < shape.Length; i++) BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4 + 4 * i), shape[i]);
        for (int i = 0; i < values + extra; i++) data[4 + 4 * shape.Length + i] = (byte)(i * 7 % 10);
        return data;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal)) gz.Write(data);
        return output.ToArray();
    }

    private string Write(string name, byte[] data)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    [Fact]
    public void RawAndGzipFilesReadAlikeWithPrefixes()
    {
        var raw = Idx(0x08, [5, 2, 3], 30);
        foreach (var path in new[] { Write("a.idx", raw), Write("a.idx.gz", Gzip(raw)) })
        {
            var full = IdxFile.Read(path);
            Assert.Equal([5, 2, 3], full.Shape);
            Assert.Equal((5, 6), (full.Rows, full.RowSize));
            Assert.Equal(raw[16..], full.Data);
            var prefix = IdxFile.Read(path, 2);
            Assert.Equal(2, prefix.Rows);
            Assert.Equal(raw[16..28], prefix.Data);
        }
    }

    [Theory]
    [InlineData("magic", "not an IDX file")]
    [InlineData("type", "value type 0x0D")]
    [InlineData("rank0", "rank 0")]
    [InlineData("rank5", "rank 5")]
    [InlineData("negative", "dimension 1 is -3")]
    [InlineData("huge", "more than 268435456 values")]
    [InlineData("claims", "more than the file can hold")]
    [InlineData("truncated", "more than the file can hold")]
    [InlineData("header", "truncated IDX file")]
    [InlineData("extra", "data beyond the IDX shape")]
    [InlineData("gz-claims", "more than the file can hold")]
    [InlineData("gz-truncated", "")]
    [InlineData("gz-corrupt", "")]
    public void HostileFilesGiveOneClearError(string kind, string message)
    {
        var good = Idx(0x08, [40, 4, 4], 640);
        byte[] data = kind switch
        {
            "magic" => [1, .. good[1..]],
            "type" => Idx(0x0D, [4], 16),
            "rank0" => Idx(0x08, [], 0),
            "rank5" => Idx(0x08, [1, 1, 1, 1, 1], 1),
            "negative" => Idx(0x08, [2, -3], 0),
            "huge" => Idx(0x08, [65536, 65536], 0),
            "claims" => Idx(0x08, [1000, 28, 28], 100),
            "truncated" => good[..300],
            "header" => good[..6],
            "extra" => Idx(0x08, [40, 4, 4], 640, extra: 3),
            "gz-claims" => Gzip(Idx(0x08, [60000, 28, 28], 10)),
            "gz-truncated" => Gzip(good)[..40],
            _ => Corrupt(Gzip(good)),
        };
        var e = Assert.Throws<TipsException>(() => IdxFile.Read(Write("bad.gz", data)));
        Assert.Contains(message, e.Message);
        Assert.Contains("bad.gz", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    private static byte[] Corrupt(byte[] gz)
    {
        var copy = (byte[])gz.Clone();
        for (int i = 12; i < copy.Length - 8; i += 3) copy[i] ^= 0x5A;
        return copy;
    }

    /// <summary>Mutated gzip and raw IDX files: each read either succeeds within the declared bounds or throws TipsException.</summary>
    [Fact]
    public void MutatedFilesNeverCrash()
    {
        var rng = new Random(11);
        var raw = Idx(0x08, [20, 28, 28], 20 * 784);
        var gz = Gzip(raw);
        for (int trial = 0; trial < 300; trial++)
        {
            var data = (byte[])(trial % 2 == 0 ? raw : gz).Clone();
            int edits = rng.Next(1, 4);
            for (int e = 0; e < edits; e++)
            {
                int at = rng.Next(Math.Min(data.Length, trial % 3 == 0 ? 20 : data.Length));
                data[at] = (byte)rng.Next(256);
            }
            if (trial % 5 == 0) data = data[..rng.Next(data.Length)];
            var path = Write($"m{trial}.gz", data);
            try
            {
                var idx = IdxFile.Read(path);
                Assert.Equal(idx.Shape.Aggregate(1L, (a, b) => a * b), idx.Data.Length);
            }
            catch (TipsException)
            {
            }
        }
    }

    [Fact]
    public void LoaderChecksShapesLabelsAndCounts()
    {
        void Folder(byte[] images, byte[] labels)
        {
            File.WriteAllBytes(Path.Combine(_dir, "train-images-idx3-ubyte.gz"), Gzip(images));
            File.WriteAllBytes(Path.Combine(_dir, "train-labels-idx1-ubyte.gz"), Gzip(labels));
        }
        Folder(Idx(0x08, [3, 28, 28], 3 * 784), Idx(0x08, [3], 3));
        Assert.Equal(3, FashionMnist.Load(true, folder: _dir).Count);
        Folder(Idx(0x08, [3, 28, 27], 3 * 756), Idx(0x08, [3], 3));
        Assert.Contains("expected [n, 28, 28]", Assert.Throws<TipsException>(() => FashionMnist.Load(true, folder: _dir)).Message);
        Folder(Idx(0x08, [3, 28, 28], 3 * 784), Idx(0x08, [4], 4));
        Assert.Contains("3 images but 4 labels", Assert.Throws<TipsException>(() => FashionMnist.Load(true, folder: _dir)).Message);
        var labels = Idx(0x08, [3], 3);
        labels[^1] = 10;
        Folder(Idx(0x08, [3, 28, 28], 3 * 784), labels);
        Assert.Contains("label 10 of entry 2", Assert.Throws<TipsException>(() => FashionMnist.Load(true, folder: _dir)).Message);
        Assert.Contains("cannot read", Assert.Throws<TipsException>(() => FashionMnist.Load(false, folder: _dir)).Message);
    }
}
