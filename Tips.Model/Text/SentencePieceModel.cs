using System.Text;

namespace Tips.Model.Text;

/// <summary>
/// A SentencePiece model (unigram, BPE, word or char) loaded from a <c>.model</c> file, encoding text to ids exactly as
/// <c>spm_encode --output_format=id</c> does: normalise, segment, then split unknown pieces into byte pieces
/// (byte_fallback) or merge runs of unknown pieces into one unknown id.
/// </summary>
public sealed class SentencePieceModel
{
    private readonly Vocabulary _vocab;
    private readonly Normalizer _normalizer;
    private readonly Func<ReadOnlySpan<byte>, List<Segment>> _segment;
    private readonly bool _byteFallback;

    public ModelProto Proto { get; }

    public int VocabSize => Proto.Pieces.Count;
    public int UnkId => _vocab.UnkId;

    /// <summary>Special ids as the trainer_spec declares them; -1 means absent (e.g. no BOS in the TIPS model).</summary>
    public int BosId => Proto.Trainer.BosId;
    public int EosId => Proto.Trainer.EosId;
    public int PadId => Proto.Trainer.PadId;

    private SentencePieceModel(ModelProto proto, string what)
    {
        Proto = proto;
        _vocab = new Vocabulary(proto, what);
        foreach (var (name, id) in new[] { ("unk_id", proto.Trainer.UnkId), ("bos_id", proto.Trainer.BosId), ("eos_id", proto.Trainer.EosId), ("pad_id", proto.Trainer.PadId) })
            if (id < -1 || id >= proto.Pieces.Count) throw new TipsException($"{what}: trainer_spec {name} {id} is outside the {proto.Pieces.Count} pieces");
        _normalizer = new Normalizer(proto.Normalizer, proto.Trainer.TreatWhitespaceAsSuffix, _vocab.UserDefined, what);
        _byteFallback = proto.Trainer.ByteFallback;
        _segment = proto.Trainer.ModelType switch
        {
            ModelType.Unigram => new UnigramModel(_vocab).Encode,
            ModelType.Bpe => new BpeModel(_vocab).Encode,
            ModelType.Char => new CharModel(_vocab).Encode,
            _ => new WordModel(_vocab).Encode,
        };
    }

    public static SentencePieceModel Load(string path)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TipsException($"cannot read tokenizer model {path}: {e.Message}");
        }
        return FromBytes(data, path);
    }

    public static SentencePieceModel FromBytes(ReadOnlySpan<byte> data, string what = "tokenizer model") =>
        new(ModelProto.Parse(data, what), what);

    /// <summary>The piece text of an id (as stored; byte pieces read &lt;0xXX&gt;).</summary>
    public string IdToPiece(int id) => Encoding.UTF8.GetString(Proto.Pieces[id].Piece);

    /// <summary>Encodes a string (converted to UTF-8; lone surrogates become U+FFFD).</summary>
    public int[] Encode(string text) => Encode(Encoding.UTF8.GetBytes(text));

    /// <summary>Encodes raw bytes; malformed UTF-8 is handled as spm does (each bad byte reads as U+FFFD).</summary>
    public int[] Encode(ReadOnlySpan<byte> utf8)
    {
        byte[] normalized = _normalizer.Normalize(utf8.ToArray());
        var ids = new List<int>(normalized.Length / 2 + 1);
        bool prevUnk = false;
        foreach (var seg in _segment(normalized))
        {
            bool unk = _vocab.Types[seg.Id] == PieceType.Unknown;
            if (unk && _byteFallback)
            {
                for (int i = 0; i < seg.Length; i++) ids.Add(_vocab.ByteIds[normalized[seg.Start + i]]);
            }
            else if (!(unk && prevUnk))
            {
                // A run of unknown pieces becomes one unknown id, as spm merges them for decoding.
                ids.Add(seg.Id);
            }
            prevUnk = unk;
        }
        return [.. ids];
    }
}
