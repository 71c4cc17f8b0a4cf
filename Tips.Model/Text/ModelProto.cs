namespace Tips.Model.Text;

/// <summary>SentencePiece piece types (sentencepiece_model.proto numbering).</summary>
public enum PieceType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}

/// <summary>SentencePiece segmentation algorithms (TrainerSpec.ModelType numbering).</summary>
public enum ModelType
{
    Unigram = 1,
    Bpe = 2,
    Word = 3,
    Char = 4,
}

/// <summary>One vocabulary entry; <see cref="Piece"/> holds the raw UTF-8 bytes as stored.</summary>
public sealed record SentencePiece(byte[] Piece, float Score, PieceType Type);

/// <summary>The TrainerSpec fields that matter when encoding.</summary>
public sealed record TrainerSpec(ModelType ModelType, int UnkId, int BosId, int EosId, int PadId, bool ByteFallback, bool TreatWhitespaceAsSuffix);

/// <summary>NormalizerSpec; proto2 defaults are true for the three flags.</summary>
public sealed record NormalizerSpec(string Name, byte[] PrecompiledCharsmap, bool AddDummyPrefix, bool RemoveExtraWhitespaces, bool EscapeWhitespaces);

/// <summary>A parsed SentencePiece ModelProto (pieces = field 1, trainer_spec = 2, normalizer_spec = 3).</summary>
public sealed record ModelProto(IReadOnlyList<SentencePiece> Pieces, TrainerSpec Trainer, NormalizerSpec Normalizer)
{
    public static ModelProto Parse(ReadOnlySpan<byte> data, string what)
    {
        var pieces = new List<SentencePiece>();
        TrainerSpec? trainer = null;
        NormalizerSpec? normalizer = null;
        var r = new ProtoReader(data, what);
        while (r.NextField(out int field, out var type))
        {
            switch (field)
            {
                case 1: r.Expect(type, WireType.LengthDelimited, field); pieces.Add(ParsePiece(r.ReadBytes(), what)); break;
                case 2: r.Expect(type, WireType.LengthDelimited, field); trainer = ParseTrainer(r.ReadBytes(), what); break;
                case 3: r.Expect(type, WireType.LengthDelimited, field); normalizer = ParseNormalizer(r.ReadBytes(), what); break;
                default: r.Skip(type); break;
            }
        }
        return new ModelProto(pieces, trainer ?? ParseTrainer([], what), normalizer ?? ParseNormalizer([], what));
    }

    private static SentencePiece ParsePiece(ReadOnlySpan<byte> data, string what)
    {
        byte[] piece = [];
        float score = 0;
        var kind = PieceType.Normal;
        var r = new ProtoReader(data, what + " (piece)");
        while (r.NextField(out int field, out var type))
        {
            switch (field)
            {
                case 1: r.Expect(type, WireType.LengthDelimited, field); piece = r.ReadBytes().ToArray(); break;
                case 2: r.Expect(type, WireType.Fixed32, field); score = r.ReadFloat(); break;
                case 3:
                    r.Expect(type, WireType.Varint, field);
                    int t = r.ReadInt32();
                    if (t < 1 || t > 6) throw r.Error($"unknown piece type {t}");
                    kind = (PieceType)t;
                    break;
                default: r.Skip(type); break;
            }
        }
        return new SentencePiece(piece, score, kind);
    }

    private static TrainerSpec ParseTrainer(ReadOnlySpan<byte> data, string what)
    {
        var modelType = ModelType.Unigram;
        int unk = 0, bos = 1, eos = 2, pad = -1;
        bool byteFallback = false, suffix = false;
        var r = new ProtoReader(data, what + " (trainer_spec)");
        while (r.NextField(out int field, out var type))
        {
            switch (field)
            {
                case 3:
                    r.Expect(type, WireType.Varint, field);
                    int m = r.ReadInt32();
                    if (m < 1 || m > 4) throw r.Error($"unknown model_type {m}");
                    modelType = (ModelType)m;
                    break;
                case 24: r.Expect(type, WireType.Varint, field); suffix = r.ReadBool(); break;
                case 35: r.Expect(type, WireType.Varint, field); byteFallback = r.ReadBool(); break;
                case 40: r.Expect(type, WireType.Varint, field); unk = r.ReadInt32(); break;
                case 41: r.Expect(type, WireType.Varint, field); bos = r.ReadInt32(); break;
                case 42: r.Expect(type, WireType.Varint, field); eos = r.ReadInt32(); break;
                case 43: r.Expect(type, WireType.Varint, field); pad = r.ReadInt32(); break;
                default: r.Skip(type); break;
            }
        }
        return new TrainerSpec(modelType, unk, bos, eos, pad, byteFallback, suffix);
    }

    private static NormalizerSpec ParseNormalizer(ReadOnlySpan<byte> data, string what)
    {
        string name = "";
        byte[] charsmap = [];
        bool dummy = true, removeExtra = true, escape = true;
        var r = new ProtoReader(data, what + " (normalizer_spec)");
        while (r.NextField(out int field, out var type))
        {
            switch (field)
            {
                case 1: r.Expect(type, WireType.LengthDelimited, field); name = System.Text.Encoding.UTF8.GetString(r.ReadBytes()); break;
                case 2: r.Expect(type, WireType.LengthDelimited, field); charsmap = r.ReadBytes().ToArray(); break;
                case 3: r.Expect(type, WireType.Varint, field); dummy = r.ReadBool(); break;
                case 4: r.Expect(type, WireType.Varint, field); removeExtra = r.ReadBool(); break;
                case 5: r.Expect(type, WireType.Varint, field); escape = r.ReadBool(); break;
                default: r.Skip(type); break;
            }
        }
        return new NormalizerSpec(name, charsmap, dummy, removeExtra, escape);
    }
}
