using System.Buffers.Binary;
using System.IO.Compression;
using Tips.Model;

namespace Tips.Train.Data;

/// <summary>
/// An IDX array of unsigned bytes (the MNIST format: 0x00 0x00, type 0x08, rank, big-endian int32 dimensions, then
/// the values row-major), raw or gzip-compressed. Only the first <see cref="Rows"/> entries of the first dimension
/// are held when a prefix is asked for.
/// </summary>
public sealed record IdxArray(int[] Shape, int Rows, byte[] Data)
{
    /// <summary>Values per entry of the first dimension (28 x 28 = 784 for an image file, 1 for labels).</summary>
    public int RowSize => Shape.Skip(1).Aggregate(1, (a, b) => a * b);
}

public static class IdxFile
{
    /// <summary>More values than this per file is not an MNIST-like file (Fashion-MNIST's train images: 47 M).</summary>
    public const long MaxValues = 1L << 28;

    /// <summary>gzip's deflate expands at most about 1032:1; a header claiming more than this per file byte is corrupt.</summary>
    private const long MaxExpansion = 1100;

    /// <summary>Reads <paramref name="path"/>, keeping the first <paramref name="maxRows"/> entries of dimension 0
    /// (all when null). Sizes are checked against the file before anything is allocated; every problem is one
    /// TipsException naming the file.</summary>
    public static IdxArray Read(string path, int? maxRows = null)
    {
        long fileLength;
        Stream file;
        try
        {
            file = File.OpenRead(path);
            fileLength = file.Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TipsException($"cannot read {path}: {e.Message}");
        }
        using (file)
        {
            Span<byte> magic = stackalloc byte[2];
            bool gzip = file.Read(magic) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
            file.Position = 0;
            using var stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            try
            {
                return Parse(stream, path, gzip ? fileLength * MaxExpansion : fileLength, maxRows);
            }
            catch (InvalidDataException e)
            {
                throw new TipsException($"{path}: corrupt gzip data ({e.Message})");
            }
        }
    }

    private static IdxArray Parse(Stream stream, string path, long maxBytes, int? maxRows)
    {
        var head = new byte[4];
        ReadExactly(stream, head, path, "header");
        if (head[0] != 0 || head[1] != 0) throw new TipsException($"{path}: not an IDX file (magic {head[0]:X2} {head[1]:X2}, expected 00 00)");
        if (head[2] != 0x08) throw new TipsException($"{path}: IDX value type 0x{head[2]:X2} is not supported (only unsigned bytes, 0x08)");
        int rank = head[3];
        if (rank is < 1 or > 4) throw new TipsException($"{path}: IDX rank {rank} is outside 1..4");
        var dims = new byte[4 * rank];
        ReadExactly(stream, dims, path, "dimensions");
        var shape = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(dims.AsSpan(4 * i));
            if (shape[i] <= 0) throw new TipsException($"{path}: IDX dimension {i} is {shape[i]}");
            total *= shape[i];
            if (total > MaxValues) throw new TipsException($"{path}: IDX shape [{string.Join(", ", shape[..(i + 1)])}...] holds more than {MaxValues} values");
        }
        long header = 4 + 4L * rank;
        if (total > maxBytes - header)
            throw new TipsException($"{path}: IDX shape [{string.Join(", ", shape)}] needs {total} bytes, more than the file can hold");
        long rowSize = total / shape[0];
        int rows = maxRows is { } m ? Math.Min(Math.Max(m, 0), shape[0]) : shape[0];
        var data = new byte[rows * rowSize];
        ReadExactly(stream, data, path, $"values (shape [{string.Join(", ", shape)}])");
        if (rows == shape[0] && stream.ReadByte() >= 0) throw new TipsException($"{path}: data beyond the IDX shape [{string.Join(", ", shape)}]");
        return new IdxArray(shape, rows, data);
    }

    private static void ReadExactly(Stream stream, byte[] buffer, string path, string what)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = stream.Read(buffer, done, buffer.Length - done);
            if (n == 0) throw new TipsException($"{path}: truncated IDX file (ends in the {what} after {done} of {buffer.Length} bytes)");
            done += n;
        }
    }
}
