namespace Tips.Model.Checkpoints;

/// <summary>NumPy .npy arrays (format v1/v2/v3): little- or big-endian, C or Fortran order on read;
/// little-endian C order on write.</summary>
public static class Npy
{
    public static NdArray Read(string path)
    {
        using var stream = OpenRead(path);
        return Read(stream, stream.Length, path);
    }

    /// <summary>Writes to a temporary file beside <paramref name="path"/>, then renames it into place.</summary>
    public static void Write(string path, NdArray array) =>
        AtomicFile.Write(path, stream => Write(stream, array, path));

    /// <summary>Reads one array from a source of exactly <paramref name="length"/> bytes. The declared shape
    /// is checked against that length before anything is allocated.</summary>
    internal static NdArray Read(Stream stream, long length, string what)
    {
        var fill = FillFrom(stream, what);
        var header = NpyHeader.Read(fill, length, what);
        long count = NdArray.ElementCount(header.Shape, what);
        long dataBytes = length - header.HeaderBytes;
        if (count * header.DType.ItemSize() != dataBytes)
            throw new TipsException($"{what}: shape ({string.Join(", ", header.Shape)}) of {header.DType} needs {count * header.DType.ItemSize()} bytes of data but {dataBytes} are present");
        var shape = Array.ConvertAll(header.Shape, d => (int)d);
        if (!header.FortranOrder || shape.Length < 2)
            return ElementCodec.Read(header.DType, header.BigEndian, shape, (int)count, fill, what);
        var reversed = shape.Reverse().ToArray();
        var columnMajor = ElementCodec.Read(header.DType, header.BigEndian, reversed, (int)count, fill, what);
        return ToRowMajor(columnMajor, shape);
    }

    internal static void Write(Stream stream, NdArray array, string what)
    {
        stream.Write(NpyHeader.Format(array, what));
        ElementCodec.Write(array, stream, what);
    }

    /// <summary>Header only: dtype and shape without reading the data.</summary>
    internal static NpyHeader ReadHeader(Stream stream, long length, string what) => NpyHeader.Read(FillFrom(stream, what), length, what);

    internal static FillExactly FillFrom(Stream stream, string what) => span =>
    {
        if (stream.ReadAtLeast(span, span.Length, throwOnEndOfStream: false) != span.Length)
            throw new TipsException($"{what}: data ends early (truncated file)");
    };

    internal static FileStream OpenRead(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TipsException($"{path}: cannot open ({e.Message})");
        }
    }

    /// <summary>A Fortran-order array read as C order has the reversed shape; element [i0..in] of the result
    /// sits at [in..i0] there.</summary>
    private static NdArray ToRowMajor(NdArray columnMajor, int[] shape)
    {
        int rank = shape.Length;
        var fStrides = new long[rank];
        long stride = 1;
        for (int d = 0; d < rank; d++) { fStrides[d] = stride; stride *= shape[d]; }
        var index = new int[rank];
        long src = 0;
        int n = columnMajor.Length;
        float[]? srcFloats = columnMajor.IsFloat ? columnMajor.Floats : null;
        int[]? srcInts = srcFloats is null ? columnMajor.Ints : null;
        float[]? floats = srcFloats is not null ? new float[n] : null;
        int[]? ints = srcInts is not null ? new int[n] : null;
        for (int dst = 0; dst < n; dst++)
        {
            if (floats is not null) floats[dst] = srcFloats![src];
            else ints![dst] = srcInts![src];
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d]) { src += fStrides[d]; break; }
                src -= fStrides[d] * (shape[d] - 1);
                index[d] = 0;
            }
        }
        return floats is not null
            ? NdArray.FromFloats(floats, shape, columnMajor.DType)
            : NdArray.FromInts(ints!, shape, columnMajor.DType);
    }
}
