using System.IO.Compression;

namespace Tips.Model.Checkpoints;

/// <summary>NumPy .npz archives: a zip of <c>&lt;key&gt;.npy</c> members, stored or deflated.</summary>
internal static class Npz
{
    /// <summary>Deflate cannot compress better than about 1032:1; a declared size beyond that is a lie.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>Decompressed bytes one archive may hold in all (a g/14 vision tower is about 4.5 GB).</summary>
    public const long DefaultMaxTotalBytes = 64L << 30;

    public static StateDict Read(string path, long maxTotalBytes = DefaultMaxTotalBytes)
    {
        var result = new StateDict(path);
        ForEachMember(path, maxTotalBytes, (entry, key, stream, what) =>
        {
            var check = new ChecksummedStream(stream);
            var array = Npy.Read(check, entry.Length, what);
            if (check.ReadByte() >= 0) throw new TipsException($"{what}: member decompresses to more than its declared {entry.Length} bytes");
            // Also catches data that System.IO.Compression cut silently at a declared size that is too small.
            if (check.Crc != entry.Crc32) throw new TipsException($"{what}: CRC-32 mismatch (corrupt archive)");
            result.Add(key, array);
        });
        return result;
    }

    public static Dictionary<string, int[]> ReadShapes(string path)
    {
        var shapes = new Dictionary<string, int[]>();
        ForEachMember(path, DefaultMaxTotalBytes, (entry, key, stream, what) =>
        {
            long length = entry.Length;
            var header = Npy.ReadHeader(stream, length, what);
            long count = NdArray.ElementCount(header.Shape, what);
            if (count * header.DType.ItemSize() != length - header.HeaderBytes)
                throw new TipsException($"{what}: shape ({string.Join(", ", header.Shape)}) of {header.DType} does not match the member size {length}");
            shapes.Add(key, Array.ConvertAll(header.Shape, d => (int)d));
        });
        return shapes;
    }

    public static void Write(string path, StateDict state, bool compress)
    {
        AtomicFile.Write(path, file =>
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (key, array) in state)
            {
                var entry = zip.CreateEntry(key + ".npy", compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                using var member = entry.Open();
                Npy.Write(member, array, $"{path}: {key}");
            }
        });
    }

    private static void ForEachMember(string path, long maxTotalBytes, Action<ZipArchiveEntry, string, Stream, string> visit)
    {
        using var file = Npy.OpenRead(path);
        ZipArchive? zip = null;
        try
        {
            zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
            // The central directory is read lazily: a count that disagrees with its records throws here.
            _ = zip.Entries;
        }
        catch (InvalidDataException e)
        {
            zip?.Dispose();
            throw new TipsException($"{path}: not a valid .npz (zip) archive ({e.Message})");
        }
        using (zip)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            long total = 0;
            foreach (var entry in zip.Entries)
            {
                var name = entry.FullName;
                var what = $"{path}: member '{name}'";
                if (!name.EndsWith(".npy", StringComparison.Ordinal) || name.Length == 4)
                    throw new TipsException($"{what} is not named <key>.npy");
                var key = name[..^4];
                if (!seen.Add(key)) throw new TipsException($"{path}: duplicate member '{name}'");
                if (entry.IsEncrypted) throw new TipsException($"{what} is encrypted");
                long length = entry.Length, compressed = entry.CompressedLength;
                if (compressed > file.Length) throw new TipsException($"{what}: compressed size {compressed} exceeds the archive size {file.Length}");
                if (length > compressed * MaxDeflateRatio + 1024)
                    throw new TipsException($"{what}: declared size {length} cannot come from {compressed} compressed bytes (corrupt archive or zip bomb)");
                total += length;
                if (total > maxTotalBytes) throw new TipsException($"{path}: members decompress to more than {maxTotalBytes} bytes in all");
                try
                {
                    using var stream = entry.Open();
                    visit(entry, key, stream, what);
                }
                catch (Exception e) when (e is InvalidDataException or IOException)
                {
                    throw new TipsException($"{what}: corrupt or truncated data ({e.Message})");
                }
            }
        }
    }
}
