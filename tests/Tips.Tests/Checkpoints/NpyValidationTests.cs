using System.Buffers.Binary;
using Tips.Model.Checkpoints;

namespace Tips.Tests.Checkpoints;

/// <summary>.npy headers: every supported form reads correctly, and every malformed one fails clearly.</summary>
public class NpyValidationTests : IDisposable
{
    private readonly TestFiles files = new();

    public void Dispose() => files.Dispose();

    private NdArray Read(string dict, byte[] data, int version = 1) => Npy.Read(files.Write("a.npy", TestFiles.Npy(dict, data, version)));

    private void Fails(string dict, byte[] data, params string[] fragments) =>
        TestFiles.Fails(() => Read(dict, data), ["a.npy", .. fragments]);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ReadsHeaderVersions(int version)
    {
        var a = Read("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", TestFiles.F32Bytes(1f, -2f, 0.5f), version);
        Assert.Equal([3], a.Shape);
        Assert.Equal([1f, -2f, 0.5f], a.Floats);
    }

    [Fact]
    public void ToleratesKeyOrderDoubleQuotesAndNoTrailingComma()
    {
        var a = Read("{\"shape\": ( 2 , 1 ), \"descr\": \"<f4\", \"fortran_order\": False}", TestFiles.F32Bytes(7f, 8f));
        Assert.Equal([2, 1], a.Shape);
        Assert.Equal([7f, 8f], a.Floats);
    }

    [Fact]
    public void Reads0dScalarAndEmptyArrays()
    {
        Assert.Equal(3.5f, Read("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", TestFiles.F32Bytes(3.5f)).ScalarValue);
        var empty = Read("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 0), }", []);
        Assert.Equal([4, 0], empty.Shape);
        Assert.Equal(0, empty.Length);
    }

    [Fact]
    public void ConvertsBigEndianFloatsAndIntegers()
    {
        var f = new byte[8];
        BinaryPrimitives.WriteSingleBigEndian(f, 1.25f);
        BinaryPrimitives.WriteSingleBigEndian(f.AsSpan(4), -3f);
        Assert.Equal([1.25f, -3f], Read("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", f).Floats);
        var l = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(l, -5);
        BinaryPrimitives.WriteInt64BigEndian(l.AsSpan(8), 1L << 30);
        var ints = Read("{'descr': '>i8', 'fortran_order': False, 'shape': (2,), }", l);
        Assert.Equal(DType.I64, ints.DType);
        Assert.Equal([-5, 1 << 30], ints.Ints);
    }

    [Fact]
    public void ConvertsFloat64AndFloat16ToFloat32()
    {
        var d = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(d, 0.1);
        BinaryPrimitives.WriteDoubleLittleEndian(d.AsSpan(8), -1e300);
        Assert.Equal([0.1f, float.NegativeInfinity], Read("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", d).Floats);
        var h = new byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(h, 0x3C00); // 1.0
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(2), 0x0001); // smallest subnormal, 2^-24
        Assert.Equal([1f, MathF.Pow(2, -24)], Read("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", h).Floats);
    }

    [Fact]
    public void FortranOrderIsTransposedToRowMajor()
    {
        // Element (i, j, k) = 100i + 10j + k sits at offset i + 2j + 6k in column-major order.
        var data = new float[24];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++)
                    data[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
        var a = Read("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }", TestFiles.F32Bytes(data));
        Assert.Equal([2, 3, 4], a.Shape);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++)
                    Assert.Equal(100 * i + 10 * j + k, a.Floats[12 * i + 4 * j + k]);
    }

    [Fact]
    public void Int64OutsideInt32RangeFails()
    {
        var l = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(l, 1L << 40);
        Fails("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", l, "1099511627776", "int32");
    }

    [Fact]
    public void TruncatedDataFails() =>
        Fails("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", TestFiles.F32Bytes(1f, 2f, 3f), "needs 16 bytes", "12 are present");

    [Fact]
    public void TrailingDataFails() =>
        Fails("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", TestFiles.F32Bytes(1f, 2f), "needs 4 bytes");

    [Fact]
    public void HugeDeclaredShapeFailsWithoutAllocating() =>
        Fails("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }", TestFiles.F32Bytes(1f), "more than");

    [Fact]
    public void ShapeJustUnderTheCapButLargerThanTheFileFails() =>
        Fails("{'descr': '<f4', 'fortran_order': False, 'shape': (500000000,), }", TestFiles.F32Bytes(1f), "needs 2000000000 bytes");

    [Theory]
    [InlineData("(-1, 4)", "negative dimension")]
    [InlineData("(4294967296, 4294967296)", "too large")]
    [InlineData("(9223372036854775807,)", "too large")]
    [InlineData("(99999999999999999999,)", "not an integer")]
    [InlineData("(2.5,)", "malformed")]
    [InlineData("[2]", "list values")]
    public void BadShapesFail(string shape, string fragment) =>
        Fails($"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}", TestFiles.F32Bytes(1f, 2f), fragment);

    [Theory]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "unsupported .npy dtype '<c8'")]
    [InlineData("{'descr': '<U4', 'fortran_order': False, 'shape': (1,), }", "unsupported .npy dtype")]
    [InlineData("{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }", "byte order")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "list values")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", "unexpected value '0'")]
    [InlineData("{'descr': '<f4', 'shape': (1,), }", "lacks 'fortran_order'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': True}", "unexpected .npy header key 'extra'")]
    [InlineData("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "duplicate key 'descr'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", "header ends early")]
    [InlineData("{'descr: '<f4', 'fortran_order': False, 'shape': (1,), }", "malformed")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } junk", "trailing characters")]
    [InlineData("not a dict", "expected '{'")]
    public void MalformedHeadersFail(string dict, string fragment) => Fails(dict, TestFiles.F32Bytes(1f), fragment);

    [Fact]
    public void BadMagicVersionAndHeaderLengthFail()
    {
        var good = TestFiles.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", TestFiles.F32Bytes(1f));
        var badMagic = (byte[])good.Clone();
        badMagic[1] = (byte)'X';
        TestFiles.Fails(() => Npy.Read(files.Write("m.npy", badMagic)), "bad magic");
        var badVersion = (byte[])good.Clone();
        badVersion[6] = 9;
        TestFiles.Fails(() => Npy.Read(files.Write("v.npy", badVersion)), "version 9");
        var longHeader = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(longHeader.AsSpan(8), 60000);
        TestFiles.Fails(() => Npy.Read(files.Write("h.npy", longHeader)), "header length 60000");
        TestFiles.Fails(() => Npy.Read(files.Write("s.npy", good[..7])), "too short");
        var v2 = TestFiles.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", TestFiles.F32Bytes(1f), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(v2.AsSpan(8), uint.MaxValue);
        TestFiles.Fails(() => Npy.Read(files.Write("v2.npy", v2)), "header length 4294967295");
        TestFiles.Fails(() => Npy.Read(files.Path("missing.npy")), "missing.npy", "cannot open");
    }

    [Fact]
    public void BoolBytesOtherThanZeroOrOneFail() =>
        Fails("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", [1, 7], "bool byte 7");
}
