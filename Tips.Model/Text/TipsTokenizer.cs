namespace Tips.Model.Text;

/// <summary>Token ids (B, T) and the padding mask (B, T), true where the id is padding.</summary>
public readonly record struct TokenBatch(int[,] Ids, bool[,] IsPadding);

/// <summary>
/// The TIPS text preprocessing (spec, text tower step 1): lowercase ASCII letters only, SentencePiece ids
/// without BOS/EOS, truncate to 64, pad with id 0; padding mask per sequence = (id == 0).
/// </summary>
public sealed class TipsTokenizer(SentencePieceModel model, int maxLength = TipsTokenizer.DefaultMaxLength)
{
    public const int DefaultMaxLength = 64;

    // The released vocabulary puts pad at 0, and the released code pads with 0 whatever pad_id says.
    public const int PadId = 0;

    public SentencePieceModel Model { get; } = model;
    public int MaxLength { get; } = maxLength > 0 ? maxLength : throw new TipsException($"text length must be positive, got {maxLength}");

    public static TipsTokenizer Load(string path, int maxLength = DefaultMaxLength) => new(SentencePieceModel.Load(path), maxLength);

    /// <summary>Only A-Z change: the released tokenizer lowercases with an ASCII table, so 'É' stays 'É'.</summary>
    public static string LowercaseAscii(string text) =>
        string.Create(text.Length, text, static (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++)
                dst[i] = src[i] is >= 'A' and <= 'Z' ? (char)(src[i] + ('a' - 'A')) : src[i];
        });

    /// <summary>The ids of one text, truncated and padded to <see cref="MaxLength"/>.</summary>
    public int[] EncodeOne(string text)
    {
        var ids = Model.Encode(LowercaseAscii(text));
        var row = new int[MaxLength];
        Array.Copy(ids, row, Math.Min(ids.Length, MaxLength));
        return row;
    }

    public TokenBatch Encode(IReadOnlyList<string> texts)
    {
        var ids = new int[texts.Count, MaxLength];
        var pad = new bool[texts.Count, MaxLength];
        for (int b = 0; b < texts.Count; b++)
        {
            var row = EncodeOne(texts[b]);
            for (int t = 0; t < MaxLength; t++)
            {
                ids[b, t] = row[t];
                pad[b, t] = row[t] == PadId;
            }
        }
        return new TokenBatch(ids, pad);
    }
}
