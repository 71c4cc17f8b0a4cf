using System.Buffers.Binary;
using System.Text.Json;
using Tips.Model.Checkpoints;

namespace Tips.Tests.Checkpoints;

/// <summary>write -> read gives back the same keys, order, dtypes, shapes and bits, for every dtype.</summary>
public class RoundTripTests : IDisposable
{
    private readonly TestFiles files = new();

    public void Dispose() => files.Dispose();

    private static float[] RandomFloats(Random rng, int n, Func<Random, float> draw) => Enumerable.Range(0, n).Select(_ => draw(rng)).ToArray();

    /// <summary>Arrays of every dtype, with special values, a 0-d scalar, an empty array and path-like keys.</summary>
    private static StateDict Sample(bool withBFloat16)
    {
        var rng = new Random(7);
        var sd = new StateDict();
        var f32 = RandomFloats(rng, 24, r => (float)(r.NextDouble() * 200 - 100));
        f32[0] = -0f; f32[1] = float.PositiveInfinity; f32[2] = float.Epsilon; f32[3] = BitConverter.Int32BitsToSingle(0x7FC01234);
        sd.Add("blocks.0.attn.qkv.weight", NdArray.FromFloats(f32, [6, 4]));
        sd.Add("224x224/cls1", NdArray.FromFloats(RandomFloats(rng, 8, r => r.NextSingle() - 0.5f), [1, 8]));
        // Every float16 value is exact in float32; skip NaN (its payload is not preserved through float32).
        sd.Add("half", NdArray.FromFloats(RandomFloats(rng, 40, r => RandomHalf(r)), [5, 8], DType.F16));
        sd.Add("double", NdArray.FromFloats(RandomFloats(rng, 10, r => (float)r.NextDouble() * 1e30f), [10], DType.F64));
        if (withBFloat16)
            sd.Add("bfloat", NdArray.FromFloats(RandomFloats(rng, 9, r => BitConverter.Int32BitsToSingle((r.Next(0, 0x7F80) | (r.Next(2) << 15)) << 16)), [3, 3], DType.BF16));
        sd.Add("ints", NdArray.FromInts([int.MinValue, -1, 0, 1, int.MaxValue, 12345], [2, 3]));
        sd.Add("longs", NdArray.FromInts([int.MinValue, -7, 0, int.MaxValue], [4], DType.I64));
        sd.Add("shorts", NdArray.FromInts([short.MinValue, -1, short.MaxValue], [3], DType.I16));
        sd.Add("bytes", NdArray.FromInts([0, 17, 255], [3], DType.U8));
        sd.Add("sbytes", NdArray.FromInts([-128, 0, 127], [3], DType.I8));
        sd.Add("mask", NdArray.FromInts([1, 0, 0, 1], [2, 2], DType.Bool));
        sd.Add("temperature", NdArray.Scalar(0.0042f));
        sd.Add("empty", NdArray.FromFloats([], [0, 3]));
        return sd;
    }

    private static float RandomHalf(Random r)
    {
        while (true)
        {
            var h = BitConverter.UInt16BitsToHalf((ushort)r.Next(0, 65536));
            if (!Half.IsNaN(h)) return (float)h;
        }
    }

    private static void AssertSame(StateDict expected, StateDict actual)
    {
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (key, e) in expected)
        {
            var a = actual[key];
            Assert.Equal(e.DType, a.DType);
            Assert.Equal(e.Shape, a.Shape);
            if (e.IsFloat)
                Assert.Equal(e.Floats.Select(BitConverter.SingleToInt32Bits), a.Floats.Select(BitConverter.SingleToInt32Bits));
            else
                Assert.Equal(e.Ints, a.Ints);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NpzRoundTripIsBitExact(bool compress)
    {
        var sd = Sample(withBFloat16: false);
        var path = files.Path("a.npz");
        sd.SaveNpz(path, compress);
        AssertSame(sd, StateDict.LoadNpz(path));
        Assert.Empty(Directory.GetFiles(files.Dir, "*.tmp-*"));
    }

    [Fact]
    public void AWriteRemovesTemporaryFilesOfKilledWritersOnly()
    {
        var path = files.Path("b.npz");
        int dead;
        using (var child = System.Diagnostics.Process.Start("true"))
        {
            child.WaitForExit();
            dead = child.Id;
        }
        // The current process may be writing the same file on another thread: its temporary file stays.
        string orphan = path + $".tmp-{dead}-0123abcd", ours = path + $".tmp-{Environment.ProcessId}-0123abcd";
        string other = files.Path("c.npz") + $".tmp-{dead}-0123abcd", unrelated = path + ".tmp-notapid";
        foreach (var f in new[] { orphan, ours, other, unrelated }) File.WriteAllText(f, "torn");
        Sample(withBFloat16: false).SaveNpz(path, compress: false);
        Assert.False(File.Exists(orphan), "orphan of a killed writer kept");
        Assert.True(File.Exists(ours) && File.Exists(other) && File.Exists(unrelated), "a file that is not an orphan of this path was removed");
    }

    [Fact]
    public void SafetensorsRoundTripIsBitExactWithMetadata()
    {
        var sd = Sample(withBFloat16: true);
        var path = files.Path("a.safetensors");
        sd.SaveSafetensors(path, new Dictionary<string, string> { ["step"] = "1200", ["format"] = "pt" });
        var back = StateDict.LoadSafetensors(path);
        AssertSame(sd, back);
        Assert.Equal("1200", back.Metadata["step"]);
        Assert.Equal("pt", back.Metadata["format"]);
    }

    [Fact]
    public void SafetensorsLayoutFollowsTheFormat()
    {
        var sd = Sample(withBFloat16: true);
        var path = files.Path("b.safetensors");
        sd.SaveSafetensors(path);
        var bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + n) % 8);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        long offset = 0;
        foreach (var (key, array) in sd)
        {
            var entry = doc.RootElement.GetProperty(key);
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            Assert.Equal(offset, offsets[0]);
            offset = offsets[1];
            Assert.Equal(array.Shape, entry.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()));
        }
        Assert.Equal(bytes.Length - 8 - n, offset);
        Assert.Equal("BF16", doc.RootElement.GetProperty("bfloat").GetProperty("dtype").GetString());
        // F32 data is stored raw little-endian right after the header.
        Assert.Equal(sd["blocks.0.attn.qkv.weight"].Floats[4], BitConverter.ToSingle(bytes, (int)(8 + n + 16)));
    }

    [Fact]
    public void NpyFileRoundTripAndNumpyHeaderLayout()
    {
        var a = NdArray.FromFloats([1.5f, -2.25f, 3f, 4f, 5f, 6f], [2, 3]);
        var path = files.Path("a.npy");
        Npy.Write(path, a);
        var bytes = File.ReadAllBytes(path);
        int headerEnd = 10 + (bytes[8] | (bytes[9] << 8));
        Assert.Equal(0, headerEnd % 64);
        Assert.Equal((byte)'\n', bytes[headerEnd - 1]);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", System.Text.Encoding.ASCII.GetString(bytes, 10, headerEnd - 10));
        Assert.Equal(-2.25f, BitConverter.ToSingle(bytes, headerEnd + 4));
        Assert.Equal(a.Floats, Npy.Read(path).Floats);
    }

    [Fact]
    public void SaveReplacesAnExistingFileAndDispatchesOnExtension()
    {
        var path = files.Path("c.safetensors");
        File.WriteAllText(path, "old");
        var sd = new StateDict();
        sd.Add("w", NdArray.FromFloats([1f, 2f], [2]));
        sd.Save(path);
        Assert.Equal([1f, 2f], StateDict.Load(path)["w"].Floats);
        TestFiles.Fails(() => sd.Save(files.Path("c.pt")), "c.pt", ".npz or .safetensors");
        TestFiles.Fails(() => sd.Save(files.Path("c.npz"), new Dictionary<string, string> { ["step"] = "1" }), "metadata");
    }

    [Fact]
    public void WritingOutOfRangeIntegersFails()
    {
        var sd = new StateDict();
        sd.Add("b", NdArray.FromInts([0, 256], [2], DType.U8));
        TestFiles.Fails(() => sd.SaveSafetensors(files.Path("d.safetensors")), "'b'", "256", "U8");
        Assert.Empty(Directory.GetFiles(files.Dir));
    }

    [Fact]
    public void BFloat16CannotGoToNpz()
    {
        var sd = new StateDict();
        sd.Add("w", NdArray.FromFloats([1f], [1], DType.BF16));
        TestFiles.Fails(() => sd.SaveNpz(files.Path("bf.npz")), "bf.npz: w", "BF16", ".npy");
        Assert.Empty(Directory.GetFiles(files.Dir));
    }

    [Fact]
    public void Float16AndBFloat16WritesRoundToNearestEven()
    {
        // 1 + 2^-11 is halfway between two float16 values; ties go to the even one (1.0).
        var sd = new StateDict();
        sd.Add("h", NdArray.FromFloats([1f + MathF.Pow(2, -11), 1f + 3 * MathF.Pow(2, -11), 70000f], [3], DType.F16));
        sd.Add("b", NdArray.FromFloats([1f + MathF.Pow(2, -8), 1f + 3 * MathF.Pow(2, -8)], [2], DType.BF16));
        var path = files.Path("e.safetensors");
        sd.SaveSafetensors(path);
        var back = StateDict.LoadSafetensors(path);
        Assert.Equal([1f, 1f + MathF.Pow(2, -9), float.PositiveInfinity], back["h"].Floats);
        Assert.Equal([1f, 1f + MathF.Pow(2, -6)], back["b"].Floats);
    }

    [Fact]
    public void LoadingAllocatesAboutTheDataSizeOnce()
    {
        const int n = 8 << 20; // 32 MiB of float32
        var data = new float[n];
        new Random(3).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        var sd = new StateDict();
        sd.Add("big", NdArray.FromFloats(data, [n]));
        sd.SaveSafetensors(files.Path("big.safetensors"));
        sd.SaveNpz(files.Path("big.npz"));
        foreach (var file in new[] { "big.safetensors", "big.npz" })
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var back = StateDict.Load(files.Path(file));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 4L * n + (4 << 20), $"{file}: allocated {allocated} bytes for {4L * n} of data");
            Assert.Equal(data[n - 1], back["big"].Floats[n - 1]);
        }
    }
}
