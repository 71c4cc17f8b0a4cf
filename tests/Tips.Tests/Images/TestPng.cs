using System.Buffers.Binary;
using System.IO.Compression;

namespace Tips.Tests.Images;

/// <summary>
/// An independent minimal PNG codec for tests (8-bit, non-interlaced, grey / RGB / grey+alpha / RGBA): decodes
/// fixtures without ImageSharp and writes hand-made files (huge declared sizes, chosen alpha).
/// </summary>
internal static class TestPng
{
    /// <summary>Decodes to (H, W, channels, bytes row-major).</summary>
    public static (int Height, int Width, int Channels, byte[] Data) Decode(byte[] png)
    {
        int pos = 8, width = 0, height = 0, channels = 0;
        var idat = new MemoryStream();
        while (pos < png.Length)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            var body = png.AsSpan(pos + 8, len);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                Assert.Equal(8, body[8]);
                Assert.Equal(0, body[12]);
                channels = body[9] switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, var c => throw new NotSupportedException($"colour type {c}") };
            }
            if (type == "IDAT") idat.Write(body);
            pos += 12 + len;
        }
        idat.Position = 0;
        var raw = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(raw);
        var f = raw.ToArray();
        int stride = width * channels;
        var data = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            int filter = f[y * (stride + 1)];
            for (int i = 0; i < stride; i++)
            {
                int x = f[y * (stride + 1) + 1 + i];
                int a = i >= channels ? data[y * stride + i - channels] : 0;
                int b = y > 0 ? data[(y - 1) * stride + i] : 0;
                int c = i >= channels && y > 0 ? data[(y - 1) * stride + i - channels] : 0;
                int pred = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new NotSupportedException($"filter {filter}"),
                };
                data[y * stride + i] = (byte)(x + pred);
            }
        }
        return (height, width, channels, data);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>Encodes with filter 0; <paramref name="declaredWidth"/>/<paramref name="declaredHeight"/> may lie.</summary>
    public static byte[] Encode(int width, int height, int channels, byte[] data, int? declaredWidth = null, int? declaredHeight = null)
    {
        var o = new MemoryStream();
        o.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, declaredWidth ?? width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), declaredHeight ?? height);
        ihdr[8] = 8;
        ihdr[9] = channels switch { 1 => 0, 3 => 2, 2 => 4, _ => 6 };
        Chunk(o, "IHDR", ihdr);
        var rawRows = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            rawRows.WriteByte(0);
            rawRows.Write(data, y * width * channels, width * channels);
        }
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) zs.Write(rawRows.ToArray());
        Chunk(o, "IDAT", z.ToArray());
        Chunk(o, "IEND", []);
        return o.ToArray();
    }

    private static void Chunk(Stream o, string type, byte[] body)
    {
        var head = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(head, body.Length);
        System.Text.Encoding.ASCII.GetBytes(type, head.AsSpan(4));
        o.Write(head);
        o.Write(body);
        var crcInput = head[4..].Concat(body).ToArray();
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(crcInput));
        o.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
