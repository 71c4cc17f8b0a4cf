namespace Tips.Model.Text;

/// <summary>
/// The pieces of a model, validated as spm's ModelInterface::InitializePieces does: non-empty, unique,
/// exactly one unknown piece, byte pieces only (and all 256 of them) with byte_fallback.
/// </summary>
internal sealed class Vocabulary
{
    /// <summary>Normal, user-defined and unused pieces: the ones segmentation can produce.</summary>
    public PieceTrie Pieces { get; } = new();

    /// <summary>Control, unknown and byte pieces, looked up before <see cref="Pieces"/> by PieceToId.</summary>
    public PieceTrie Reserved { get; } = new();

    /// <summary>User-defined symbols, which the normaliser leaves untouched.</summary>
    public PieceTrie UserDefined { get; } = new();

    public PieceType[] Types { get; }
    public float[] Scores { get; }
    public int UnkId { get; } = -1;

    /// <summary>Id of the piece &lt;0xXX&gt; for each byte, when byte_fallback is on.</summary>
    public int[] ByteIds { get; } = new int[256];

    /// <summary>Extremes over normal pieces, starting from spm's FLT_MAX / FLT_MIN (FLT_MIN is the smallest positive float).</summary>
    public float MinNormalScore { get; } = float.MaxValue;
    public float MaxNormalScore { get; } = 1.17549435E-38f;

    public Vocabulary(ModelProto proto, string what)
    {
        int n = proto.Pieces.Count;
        Types = new PieceType[n];
        Scores = new float[n];
        Array.Fill(ByteIds, -1);
        for (int i = 0; i < n; i++)
        {
            var sp = proto.Pieces[i];
            Types[i] = sp.Type;
            Scores[i] = sp.Score;
            if (sp.Piece.Length == 0) throw new TipsException($"{what}: piece {i} is empty");
            bool normal = sp.Type is PieceType.Normal or PieceType.UserDefined or PieceType.Unused;
            if (!(normal ? Pieces : Reserved).Add(sp.Piece, i))
                throw new TipsException($"{what}: piece {i} '{Show(sp.Piece)}' is defined twice");
            if (sp.Type == PieceType.UserDefined) UserDefined.Add(sp.Piece, i);
            if (sp.Type == PieceType.Unknown)
            {
                if (UnkId >= 0) throw new TipsException($"{what}: two unknown pieces ({UnkId} and {i})");
                UnkId = i;
            }
            if (sp.Type == PieceType.Byte)
            {
                if (!proto.Trainer.ByteFallback) throw new TipsException($"{what}: byte piece {i} found although byte_fallback is false");
                int b = ParseBytePiece(sp.Piece);
                if (b < 0) throw new TipsException($"{what}: piece {i} '{Show(sp.Piece)}' has type BYTE but is not <0xXX>");
                ByteIds[b] = i;
            }
            if (sp.Type == PieceType.Normal)
            {
                MinNormalScore = Math.Min(MinNormalScore, sp.Score);
                MaxNormalScore = Math.Max(MaxNormalScore, sp.Score);
            }
        }
        if (UnkId < 0) throw new TipsException($"{what}: the model defines no unknown piece");
        if (proto.Trainer.ByteFallback && Array.IndexOf(ByteIds, -1) is int missing and >= 0)
            throw new TipsException($"{what}: byte_fallback is on but piece <0x{missing:X2}> is missing");
    }

    /// <summary>spm PieceToId: reserved pieces first, then normal ones, else the unknown id.</summary>
    public int PieceToId(ReadOnlySpan<byte> piece)
    {
        int id = Reserved.Find(piece);
        if (id >= 0) return id;
        id = Pieces.Find(piece);
        return id >= 0 ? id : UnkId;
    }

    /// <summary>"&lt;0xAB&gt;" (upper-case hex, as spm writes it) to 0xAB, else -1.</summary>
    private static int ParseBytePiece(byte[] p)
    {
        if (p.Length != 6 || p[0] != '<' || p[1] != '0' || p[2] != 'x' || p[5] != '>') return -1;
        int hi = Hex(p[3]), lo = Hex(p[4]);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static int Hex(byte c) => c is >= (byte)'0' and <= (byte)'9' ? c - '0' : c is >= (byte)'A' and <= (byte)'F' ? c - 'A' + 10 : -1;

    private static string Show(byte[] piece) => System.Text.Encoding.UTF8.GetString(piece);
}
