using System.Buffers.Binary;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;

namespace Tips.Model.Images;

/// <summary>
/// Structural completeness checks run before decoding, because ImageSharp 2 decodes truncated JPEG, GIF, WebP
/// and multi-chunk PNG files without error (the missing part comes out black).
/// </summary>
internal static class EncodedImageCheck
{
    public static void EnsureComplete(byte[] data, IImageFormat format, string what)
    {
        string? problem = format switch
        {
            PngFormat => Png(data),
            JpegFormat => Jpeg(data),
            GifFormat => Gif(data),
            WebpFormat => Webp(data),
            BmpFormat => Bmp(data),
            _ => null,
        };
        if (problem is not null) throw new TipsException($"{what}: truncated or corrupt {format.Name} file ({problem})");
    }

    /// <summary>Chunks must chain to IEND.</summary>
    private static string? Png(byte[] d)
    {
        long pos = 8;
        while (pos + 8 <= d.Length)
        {
            long len = BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan((int)pos));
            bool iend = d.AsSpan((int)pos + 4, 4).SequenceEqual("IEND"u8);
            pos += 12 + len;
            if (pos > d.Length) return "a chunk runs past the end of the file";
            if (iend) return null;
        }
        return "no IEND chunk";
    }

    /// <summary>Marker segments up to the first scan, then an EOI marker after it (scan data escapes 0xFF).</summary>
    private static string? Jpeg(byte[] d)
    {
        int pos = 2;
        while (true)
        {
            while (pos < d.Length && d[pos] == 0xFF && pos + 1 < d.Length && d[pos + 1] == 0xFF) pos++;
            if (pos + 4 > d.Length) return "file ends before the image data";
            if (d[pos] != 0xFF) return $"no marker at byte {pos}";
            byte marker = d[pos + 1];
            // Standalone markers (SOI, RSTn, TEM) carry no length.
            if (marker is (>= 0xD0 and <= 0xD8) or 0x01)
            {
                pos += 2;
                continue;
            }
            int len = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(pos + 2));
            if (len < 2) return $"bad segment length at byte {pos}";
            pos += 2 + len;
            if (pos > d.Length) return "a segment runs past the end of the file";
            if (marker == 0xDA) break;
        }
        for (int i = pos; i + 1 < d.Length; i++)
            if (d[i] == 0xFF && d[i + 1] == 0xD9) return null;
        return "no end-of-image marker";
    }

    /// <summary>Blocks must be complete up to the end of the first image's data.</summary>
    private static string? Gif(byte[] d)
    {
        if (d.Length < 13) return "header cut short";
        int pos = 13;
        if ((d[10] & 0x80) != 0) pos += 3 << ((d[10] & 7) + 1);
        while (pos < d.Length)
        {
            byte block = d[pos++];
            if (block == 0x3B) return "no image before the trailer";
            if (block == 0x21)
            {
                pos++;
                pos = SkipSubBlocks(d, pos);
                if (pos < 0) return "an extension runs past the end of the file";
            }
            else if (block == 0x2C)
            {
                if (pos + 9 > d.Length) return "image descriptor cut short";
                byte flags = d[pos + 8];
                pos += 9;
                if ((flags & 0x80) != 0) pos += 3 << ((flags & 7) + 1);
                pos++;
                return SkipSubBlocks(d, pos) < 0 ? "image data runs past the end of the file" : null;
            }
            else return $"unknown block 0x{block:X2} at byte {pos - 1}";
        }
        return "no image data";
    }

    /// <summary>Returns the position after the terminating empty sub-block, or -1 when the data ends first.</summary>
    private static int SkipSubBlocks(byte[] d, int pos)
    {
        while (pos < d.Length)
        {
            int size = d[pos];
            pos += 1 + size;
            if (size == 0) return pos;
        }
        return -1;
    }

    /// <summary>The RIFF size must fit in the file.</summary>
    private static string? Webp(byte[] d) =>
        d.Length < 12 ? "header cut short" : BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(4)) + 8L > d.Length ? "RIFF size exceeds the file" : null;

    /// <summary>Uncompressed pixel rows must fit in the file.</summary>
    private static string? Bmp(byte[] d)
    {
        if (d.Length < 30) return "header cut short";
        long offset = BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(10));
        int headerSize = BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(14));
        if (headerSize < 40 || d.Length < 34) return null;
        long width = BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(18));
        long height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(22)));
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(28));
        int compression = BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(30));
        // 0 = BI_RGB, 3 = BI_BITFIELDS: fixed-size rows padded to 4 bytes; RLE sizes vary, so they are not checked.
        if (compression is not (0 or 3)) return null;
        long stride = (width * bits + 31) / 32 * 4;
        return offset + stride * height > d.Length ? "pixel rows run past the end of the file" : null;
    }
}
