using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Tips.Model.Checkpoints;

/// <summary>Fills the whole span from the source or throws <see cref="TipsException"/> (truncated data).</summary>
internal delegate void FillExactly(Span<byte> destination);

/// <summary>Converts raw element bytes (either byte order) to and from <see cref="NdArray"/> data, a
/// bounded chunk at a time so that no second full-size copy of a tensor is ever held.</summary>
internal static class ElementCodec
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Reads <paramref name="count"/> elements (count already validated against the source length).</summary>
    public static NdArray Read(DType dtype, bool bigEndian, int[] shape, int count, FillExactly fill, string what)
    {
        int size = dtype.ItemSize();
        bool direct = !bigEndian && BitConverter.IsLittleEndian && dtype is DType.F32 or DType.I32;
        float[]? floats = dtype.IsFloat() ? new float[count] : null;
        int[]? ints = floats is null ? new int[count] : null;
        if (direct)
        {
            var bytes = floats is not null ? MemoryMarshal.AsBytes(floats.AsSpan()) : MemoryMarshal.AsBytes(ints.AsSpan());
            for (int off = 0; off < bytes.Length; off += ChunkBytes)
                fill(bytes.Slice(off, Math.Min(ChunkBytes, bytes.Length - off)));
        }
        else
        {
            int perChunk = ChunkBytes / size;
            var buffer = new byte[Math.Min((long)perChunk, Math.Max(count, 1)) * size];
            for (int start = 0; start < count; start += perChunk)
            {
                int n = Math.Min(perChunk, count - start);
                var src = buffer.AsSpan(0, n * size);
                fill(src);
                if (floats is not null) DecodeFloats(src, dtype, bigEndian, floats.AsSpan(start, n));
                else DecodeInts(src, dtype, bigEndian, ints.AsSpan(start, n), what);
            }
        }
        return floats is not null ? NdArray.FromFloats(floats, shape, dtype) : NdArray.FromInts(ints!, shape, dtype);
    }

    /// <summary>Writes the elements little-endian in the array's dtype.</summary>
    public static void Write(NdArray array, Stream output, string what)
    {
        var dtype = array.DType;
        if (BitConverter.IsLittleEndian && dtype is DType.F32 or DType.I32)
        {
            output.Write(array.IsFloat ? MemoryMarshal.AsBytes(array.Floats.AsSpan()) : MemoryMarshal.AsBytes(array.Ints.AsSpan()));
            return;
        }
        int size = dtype.ItemSize();
        int perChunk = ChunkBytes / size;
        var buffer = new byte[Math.Min((long)perChunk, Math.Max(array.Length, 1)) * size];
        for (int start = 0; start < array.Length; start += perChunk)
        {
            int n = Math.Min(perChunk, array.Length - start);
            var dst = buffer.AsSpan(0, n * size);
            if (array.IsFloat) EncodeFloats(array.Floats.AsSpan(start, n), dtype, dst);
            else EncodeInts(array.Ints.AsSpan(start, n), dtype, dst, what);
            output.Write(dst);
        }
    }

    private static void DecodeFloats(ReadOnlySpan<byte> src, DType dtype, bool bigEndian, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = dtype switch
            {
                DType.F32 => BitConverter.Int32BitsToSingle(bigEndian ? BinaryPrimitives.ReadInt32BigEndian(src[(4 * i)..]) : BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i)..])),
                DType.F64 => (float)(bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(src[(8 * i)..]) : BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i)..])),
                DType.F16 => (float)BitConverter.UInt16BitsToHalf(bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(src[(2 * i)..]) : BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..])),
                // bfloat16 is the top half of a float32.
                _ => BitConverter.Int32BitsToSingle((bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(src[(2 * i)..]) : BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..])) << 16),
            };
        }
    }

    private static void DecodeInts(ReadOnlySpan<byte> src, DType dtype, bool bigEndian, Span<int> dst, string what)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            switch (dtype)
            {
                case DType.I32:
                    dst[i] = bigEndian ? BinaryPrimitives.ReadInt32BigEndian(src[(4 * i)..]) : BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i)..]);
                    break;
                case DType.I64:
                    long v = bigEndian ? BinaryPrimitives.ReadInt64BigEndian(src[(8 * i)..]) : BinaryPrimitives.ReadInt64LittleEndian(src[(8 * i)..]);
                    if (v is < int.MinValue or > int.MaxValue) throw new TipsException($"{what}: int64 value {v} does not fit in int32");
                    dst[i] = (int)v;
                    break;
                case DType.I16:
                    dst[i] = bigEndian ? BinaryPrimitives.ReadInt16BigEndian(src[(2 * i)..]) : BinaryPrimitives.ReadInt16LittleEndian(src[(2 * i)..]);
                    break;
                case DType.I8:
                    dst[i] = (sbyte)src[i];
                    break;
                case DType.U8:
                    dst[i] = src[i];
                    break;
                default:
                    if (src[i] > 1) throw new TipsException($"{what}: bool byte {src[i]} is neither 0 nor 1");
                    dst[i] = src[i];
                    break;
            }
        }
    }

    private static void EncodeFloats(ReadOnlySpan<float> src, DType dtype, Span<byte> dst)
    {
        for (int i = 0; i < src.Length; i++)
        {
            switch (dtype)
            {
                case DType.F32: BinaryPrimitives.WriteSingleLittleEndian(dst[(4 * i)..], src[i]); break;
                case DType.F64: BinaryPrimitives.WriteDoubleLittleEndian(dst[(8 * i)..], src[i]); break;
                case DType.F16: BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], BitConverter.HalfToUInt16Bits((Half)src[i])); break;
                default: BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], ToBFloat16(src[i])); break;
            }
        }
    }

    /// <summary>float32 -> bfloat16 with round-to-nearest-even; NaN stays a (quiet) NaN.</summary>
    internal static ushort ToBFloat16(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f)) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1)) >> 16);
    }

    private static void EncodeInts(ReadOnlySpan<int> src, DType dtype, Span<byte> dst, string what)
    {
        for (int i = 0; i < src.Length; i++)
        {
            int v = src[i];
            switch (dtype)
            {
                case DType.I32: BinaryPrimitives.WriteInt32LittleEndian(dst[(4 * i)..], v); break;
                case DType.I64: BinaryPrimitives.WriteInt64LittleEndian(dst[(8 * i)..], v); break;
                case DType.I16:
                    if (v is < short.MinValue or > short.MaxValue) throw OutOfRange(what, v, dtype);
                    BinaryPrimitives.WriteInt16LittleEndian(dst[(2 * i)..], (short)v);
                    break;
                case DType.I8:
                    if (v is < sbyte.MinValue or > sbyte.MaxValue) throw OutOfRange(what, v, dtype);
                    dst[i] = (byte)(sbyte)v;
                    break;
                case DType.U8:
                    if (v is < 0 or > 255) throw OutOfRange(what, v, dtype);
                    dst[i] = (byte)v;
                    break;
                default:
                    if (v is < 0 or > 1) throw OutOfRange(what, v, dtype);
                    dst[i] = (byte)v;
                    break;
            }
        }
    }

    private static TipsException OutOfRange(string what, int v, DType dtype) => new($"{what}: value {v} does not fit in {dtype}");
}
