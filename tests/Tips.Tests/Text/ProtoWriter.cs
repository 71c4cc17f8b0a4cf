using Tips.Model.Text;

namespace Tips.Tests.Text;

/// <summary>Serialises a <see cref="ModelProto"/> back to protobuf, to build edited models for tests.</summary>
internal static class ProtoWriter
{
    public static byte[] Model(ModelProto m)
    {
        var o = new List<byte>();
        foreach (var p in m.Pieces)
        {
            var sp = new List<byte>();
            Bytes(sp, 1, p.Piece);
            Key(sp, 2, 5);
            sp.AddRange(BitConverter.GetBytes(p.Score));
            Int(sp, 3, (int)p.Type);
            Bytes(o, 1, [.. sp]);
        }
        var t = new List<byte>();
        Int(t, 3, (int)m.Trainer.ModelType);
        Int(t, 24, m.Trainer.TreatWhitespaceAsSuffix ? 1 : 0);
        Int(t, 35, m.Trainer.ByteFallback ? 1 : 0);
        Int(t, 40, m.Trainer.UnkId);
        Int(t, 41, m.Trainer.BosId);
        Int(t, 42, m.Trainer.EosId);
        Int(t, 43, m.Trainer.PadId);
        Bytes(o, 2, [.. t]);
        var n = new List<byte>();
        Bytes(n, 1, System.Text.Encoding.UTF8.GetBytes(m.Normalizer.Name));
        Bytes(n, 2, m.Normalizer.PrecompiledCharsmap);
        Int(n, 3, m.Normalizer.AddDummyPrefix ? 1 : 0);
        Int(n, 4, m.Normalizer.RemoveExtraWhitespaces ? 1 : 0);
        Int(n, 5, m.Normalizer.EscapeWhitespaces ? 1 : 0);
        Bytes(o, 3, [.. n]);
        return [.. o];
    }

    private static void Varint(List<byte> o, ulong v)
    {
        for (; v >= 0x80; v >>= 7) o.Add((byte)(v | 0x80));
        o.Add((byte)v);
    }

    private static void Key(List<byte> o, int field, int wire) => Varint(o, (ulong)(field << 3 | wire));

    // int32 on the wire is sign-extended to 64 bits.
    private static void Int(List<byte> o, int field, int v)
    {
        Key(o, field, 0);
        Varint(o, unchecked((ulong)(long)v));
    }

    private static void Bytes(List<byte> o, int field, byte[] b)
    {
        Key(o, field, 2);
        Varint(o, (ulong)b.Length);
        o.AddRange(b);
    }
}
