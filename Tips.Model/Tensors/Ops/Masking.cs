namespace Tips.Model.Tensors;

public static partial class Ops
{
    /// <summary>y[r, :] = s[r] * x[r, :] for x (..., D) and s (rows), e.g. zeroing padded text positions.</summary>
    public static Tensor RowScale(this Tape tape, Tensor x, Tensor s)
    {
        int cols = x.Shape[^1];
        int rows = (int)(x.Length / cols);
        if (s.Length != rows) throw new TipsException($"row scale: {s} for the {rows} rows of {x}");
        bool track = tape.Tracks(x, s);
        var y = tape.NewTensor(x.Shape, track);
        var be = tape.Backend;
        be.RowScaleForward(x.Data, s.Data, y.Data, rows, cols);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            be.RowScaleBackward(x.Data, s.Data, dy, tape.GradOrScratch(x), s.RequiresGrad ? s.EnsureGrad() : null, rows, cols);
        });
        return y;
    }

    /// <summary>
    /// Replaces the rows of x (..., D) where mask is 1 by token (1, D) (masked image modelling):
    /// y = (1 - m) * x + m * token, with mask a constant of 0/1 per row.
    /// </summary>
    public static Tensor ReplaceMasked(this Tape tape, Tensor x, ReadOnlySpan<float> mask, Tensor token)
    {
        int cols = x.Shape[^1];
        int rows = (int)(x.Length / cols);
        if (mask.Length != rows || token.Length != cols)
            throw new TipsException($"mask of {mask.Length} rows and token {token} for {x}");
        var keepHost = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            if (mask[r] != 0f && mask[r] != 1f) throw new TipsException($"mask value {mask[r]} is not 0 or 1");
            keepHost[r] = 1f - mask[r];
        }
        var m = tape.Constant(mask, rows, 1);
        var keep = tape.Constant(keepHost, rows);
        bool track = tape.Tracks(x, token);
        var y = tape.NewTensor(x.Shape, track);
        var be = tape.Backend;
        be.RowScaleForward(x.Data, keep.Data, y.Data, rows, cols);
        be.Gemm(false, false, rows, cols, 1, 1f, m.Data, 1, 0, token.Data, cols, 0, 1f, y.Data, cols, 0);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            if (x.RequiresGrad) be.RowScaleBackward(x.Data, keep.Data, dy, x.EnsureGrad(), null, rows, cols);
            if (token.RequiresGrad)
                be.Gemm(true, false, 1, cols, rows, 1f, m.Data, 1, 0, dy, cols, 0, 1f, token.EnsureGrad(), cols, 0);
        });
        return y;
    }

    /// <summary>
    /// y[b] = sum_t w[b, t] x[b, t, :]: x (B, T, D), constant weights w (B, T) to (B, D).
    /// With w = mask / (count + 1e-8) this is the text tower's masked mean.
    /// </summary>
    public static Tensor WeightedSum(this Tape tape, Tensor x, Tensor w)
    {
        if (x.Rank != 3 || w.Length != (long)x.Shape[0] * x.Shape[1])
            throw new TipsException($"weighted sum: weights {w} for {x}");
        if (w.RequiresGrad) throw new TipsException("weighted sum: the weights must be constant");
        int batch = x.Shape[0], tokens = x.Shape[1], width = x.Shape[2];
        bool track = tape.Tracks(x);
        var y = tape.NewTensor([batch, width], track);
        var be = tape.Backend;
        be.Gemm(false, false, 1, width, tokens, 1f, w.Data, tokens, tokens, x.Data, width, (long)tokens * width,
            0f, y.Data, width, width, batch);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            be.Gemm(true, false, tokens, width, 1, 1f, w.Data, tokens, tokens, dy, width, width,
                1f, x.EnsureGrad(), width, (long)tokens * width, batch);
        });
        return y;
    }
}
