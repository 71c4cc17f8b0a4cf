using System.Text;
using Tips.Model.Checkpoints;

namespace Tips.Tests.Checkpoints;

/// <summary>Hand-built safetensors files, one per validation rule.</summary>
public class SafetensorsValidationTests : IDisposable
{
    private readonly TestFiles files = new();

    public void Dispose() => files.Dispose();

    /// <summary>u64 header length, the header text as given, then <paramref name="dataBytes"/> bytes of data.</summary>
    private static byte[] File(string header, int dataBytes, ulong? declaredLength = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var data = Enumerable.Range(0, dataBytes).Select(i => (byte)(i * 37 + 1)).ToArray();
        return [.. BitConverter.GetBytes(declaredLength ?? (ulong)h.Length), .. h, .. data];
    }

    private StateDict Load(byte[] bytes) => StateDict.LoadSafetensors(files.Write("t.safetensors", bytes));

    private void Fails(byte[] bytes, params string[] fragments) => TestFiles.Fails(() => Load(bytes), ["t.safetensors", .. fragments]);

    [Fact]
    public void ReadsAHandWrittenFile()
    {
        var sd = Load(File("""{"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},"__metadata__":{"step":"3"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  """, 12));
        Assert.Equal(["b", "a"], sd.Keys);
        var bytes = Enumerable.Range(0, 12).Select(i => (byte)(i * 37 + 1)).ToArray();
        Assert.Equal([BitConverter.ToSingle(bytes, 0), BitConverter.ToSingle(bytes, 4)], sd["a"].Floats);
        Assert.Equal([(float)BitConverter.ToHalf(bytes, 8), (float)BitConverter.ToHalf(bytes, 10)], sd["b"].Floats);
        Assert.Equal("3", sd.Metadata["step"]);
        Assert.Equal(new Dictionary<string, int[]> { ["b"] = [2], ["a"] = [2] }, StateDict.ReadShapes(files.Path("t.safetensors")));
    }

    [Fact]
    public void ReadsBFloat16AndInt64()
    {
        byte[] header = Encoding.UTF8.GetBytes("""{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"i":{"dtype":"I64","shape":[],"data_offsets":[4,12]}}""");
        byte[] data = [0x80, 0x3F, 0x40, 0xC0, 0xF9, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        var sd = Load([.. BitConverter.GetBytes((ulong)header.Length), .. header, .. data]);
        Assert.Equal([1f, -3f], sd["w"].Floats);
        Assert.Equal([-7], sd["i"].Ints);
        Assert.Empty(sd["i"].Shape);
    }

    [Fact]
    public void TooShortFileFails() => Fails([1, 2, 3], "too short");

    [Fact]
    public void HeaderLengthPastTheEndFails() => Fails(File("{}", 0, declaredLength: 1000), "header length 1000 exceeds");

    [Fact]
    public void HugeHeaderLengthFails() => Fails(File("{}", 0, declaredLength: ulong.MaxValue), "header length 18446744073709551615");

    [Theory]
    [InlineData("{\"a\":", "not valid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}", "not valid JSON")]
    [InlineData("\u00ff\u00fe", "not valid JSON")]
    public void BadJsonFails(string header, string fragment) => Fails(File(header, 4), fragment);

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, "outside the 4-byte data section")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", 8, "outside")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}}""", 12, "span 12 bytes", "needs 8")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[2,10]}}""", 12, "'a' and 'b' overlap")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "duplicate key 'a'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "negative")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", 4, "not an integer")]
    [InlineData("""{"a":{"dtype":"F32","shape":[100000,100000,100000],"data_offsets":[0,4]}}""", 4, "more than")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}""", 4, "too large")]
    [InlineData("""{"a":{"dtype":"F32","shape":[500000000],"data_offsets":[0,4]}}""", 4, "needs 2000000000")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}}""", 4, "not an integer")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", 4, "[begin, end]")]
    [InlineData("""{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}""", 8, "unsupported dtype 'C64'")]
    [InlineData("""{"a":{"dtype":5,"shape":[1],"data_offsets":[0,4]}}""", 4, "'dtype'")]
    [InlineData("""{"a":{"shape":[1],"data_offsets":[0,4]}}""", 4, "missing or non-string 'dtype'")]
    [InlineData("""{"a":{"dtype":"F32","data_offsets":[0,4]}}""", 4, "'shape'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}""", 4, "unexpected or repeated field 'extra'")]
    [InlineData("""{"a":[1,2]}""", 4, "not an object")]
    [InlineData("""{"__metadata__":{"step":3}}""", 0, "metadata 'step' is not a string")]
    [InlineData("""{"__metadata__":"x"}""", 0, "__metadata__ is not an object")]
    [InlineData("""{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", 8, "does not fit in int32")]
    public void InvalidHeadersFail(string header, int dataBytes, params string[] fragments) => Fails(File(header, dataBytes), fragments);

    [Fact]
    public void WritingTheMetadataKeyAsATensorFails()
    {
        var sd = new StateDict();
        sd.Add("__metadata__", NdArray.Scalar(1f));
        TestFiles.Fails(() => sd.SaveSafetensors(files.Path("m.safetensors")), "__metadata__");
    }

    [Fact]
    public void TruncatedWrittenFileFails()
    {
        var sd = new StateDict();
        sd.Add("w", NdArray.FromFloats([1f, 2f, 3f, 4f], [4]));
        var path = files.Path("w.safetensors");
        sd.SaveSafetensors(path);
        var bytes = System.IO.File.ReadAllBytes(path);
        Fails(bytes[..^3], "'w'", "outside");
    }
}
