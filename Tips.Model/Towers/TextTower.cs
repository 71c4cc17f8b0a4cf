using Tips.Kernels;
using Tips.Model.Checkpoints;
using Tips.Model.Config;
using Tips.Model.Nn;
using Tips.Model.Tensors;

namespace Tips.Model.Towers;

/// <summary>
/// The TIPS text tower: token embedding * sqrt(D) + a fixed sinusoidal table, bidirectional pre-norm blocks,
/// ln_final, mean over non-padded tokens (state-dict keys as the released text npz, <c>temperature</c> included).
/// Legend: B batch, T tokens per text (padded with id 0), D width, V vocabulary.
/// </summary>
public sealed class TextTower : IDisposable
{
    /// <summary>Loads the tower from a state dict (strict: every key used, every parameter present, shapes equal).</summary>
    public static TextTower Load(IBackend backend, StateDict state, TextConfig config) =>
        StateDictBinding.Load(backend, state, vb => new TextTower(vb, config));

    /// <summary>A tower with parameters from an initialiser (e.g. <see cref="Init.Normal"/>).</summary>
    public static TextTower Create(IBackend backend, TextConfig config, VarBuilder.ParameterValues values) =>
        new(new VarBuilder(backend, values), config);

    public TextTower(VarBuilder vb, TextConfig config)
    {
        Config = config;
        int d = config.Width;
        // 0-d: the divisor of zero-shot logits, stored with the text weights.
        Temperature = vb.Get("temperature");
        TokenEmbedding = vb.Get("token_embedding.weight", config.VocabSize, d);
        var blocks = vb.Push("transformer").Push("resblocks");
        Blocks = Enumerable.Range(0, config.Depth).Select(i => new TextBlock(blocks.Push(i), d, config.Heads, config.MlpDim)).ToArray();
        LnFinal = new LayerNorm(vb.Push("ln_final"), d, TextBlock.Eps);
        Parameters = vb.Parameters;
        PositionTable = SinusoidalPositions(config.MaxLen, d);
    }

    public TextConfig Config { get; }

    /// <summary>Every parameter by state-dict key.</summary>
    public ParameterSet Parameters { get; }

    public Tensor Temperature { get; }
    public Tensor TokenEmbedding { get; }
    public IReadOnlyList<TextBlock> Blocks { get; }
    public LayerNorm LnFinal { get; }

    /// <summary>The fixed position table (max_len, D), host copy.</summary>
    public float[] PositionTable { get; }

    /// <summary>
    /// Embeds <paramref name="batch"/> texts of T = ids.Length / batch token ids each (padding id 0), to (B, D).
    /// An empty text (all padding) gives zeros. The output lives on <paramref name="tape"/>.
    /// </summary>
    public Tensor Forward(Tape tape, ReadOnlySpan<int> ids, int batch)
    {
        int d = Config.Width;
        if (batch < 1 || ids.Length == 0 || ids.Length % batch != 0)
            throw new TipsException($"{ids.Length} token ids do not split into {batch} texts");
        int tokens = ids.Length / batch;
        if (tokens > Config.MaxLen) throw new TipsException($"texts of {tokens} tokens exceed max_len {Config.MaxLen}");

        // Padding mask per sequence (id == 0); never dropped for a whole batch as the released batch code does.
        var mask = new float[ids.Length];
        var poolWeights = new float[ids.Length];
        for (int b = 0; b < batch; b++)
        {
            int count = 0;
            for (int t = 0; t < tokens; t++)
            {
                int id = ids[b * tokens + t];
                if (id < 0 || id >= Config.VocabSize) throw new TipsException($"token id {id} outside the vocabulary of {Config.VocabSize}");
                if (id != 0) { mask[b * tokens + t] = 1f; count++; }
            }
            // Masked mean as released: sum / (count + 1e-8), so an empty text pools to zeros.
            float inv = (float)(1.0 / (count + 1e-8));
            for (int t = 0; t < tokens; t++) poolWeights[b * tokens + t] = mask[b * tokens + t] * inv;
        }
        var maskTensor = tape.Constant(mask, batch * tokens);
        var weights = tape.Constant(poolWeights, batch, tokens);
        var positions = tape.Constant(PositionTable.AsSpan(0, tokens * d), tokens, d);

        var embedded = tape.Embedding(TokenEmbedding, tape.Ints(ids), (float)Math.Sqrt(d)).Reshape(batch, tokens, d);
        var x = tape.AddBroadcast(embedded, positions);
        tape.Release(embedded);
        foreach (var block in Blocks)
        {
            var next = block.Forward(tape, x, maskTensor);
            tape.Release(x);
            x = next;
        }
        var normed = LnFinal.Forward(tape, x);
        tape.Release(x);
        var pooled = tape.WeightedSum(normed, weights);
        tape.Release(normed);
        return pooled;
    }

    /// <summary>
    /// pe[p] = [sin(p * inv_0..n-1), cos(p * inv_0..n-1)] with n = D/2, inv_k = exp(-k * ln(10000) / max(n-1, 1)):
    /// all sines, then all cosines (not interleaved). Computed in float64, stored float32.
    /// </summary>
    public static float[] SinusoidalPositions(int length, int width)
    {
        int n = width / 2;
        double inc = Math.Log(10000.0) / Math.Max(n - 1, 1);
        var table = new float[length * width];
        for (int p = 0; p < length; p++)
            for (int k = 0; k < n; k++)
            {
                double angle = p * Math.Exp(-k * inc);
                table[p * width + k] = (float)Math.Sin(angle);
                table[p * width + n + k] = (float)Math.Cos(angle);
            }
        return table;
    }

    public void Dispose() => Parameters.Dispose();
}
