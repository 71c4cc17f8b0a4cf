namespace Tips.Model.Tensors;

public static partial class Ops
{
    /// <summary>LayerNorm over the last dimension (biased variance). TIPS uses eps 1e-6 in vision, 1e-5 in text.</summary>
    public static Tensor LayerNorm(this Tape tape, Tensor x, Tensor gamma, Tensor beta, float eps)
    {
        int cols = x.Shape[^1];
        if (gamma.Length != cols || beta.Length != cols)
            throw new TipsException($"layer norm: {x} with weight {gamma} and bias {beta}");
        int rows = (int)(x.Length / cols);
        bool track = tape.Tracks(x, gamma, beta);
        var y = tape.NewTensor(x.Shape, track);
        var mean = track ? tape.NewBuffer(rows) : null;
        var rstd = track ? tape.NewBuffer(rows) : null;
        var be = tape.Backend;
        be.LayerNormForward(x.Data, gamma.Data, beta.Data, y.Data, mean, rstd, rows, cols, eps);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            be.LayerNormBackward(dy, x.Data, gamma.Data, mean!, rstd!,
                tape.GradOrScratch(x), tape.GradOrScratch(gamma), tape.GradOrScratch(beta), rows, cols);
        });
        return y;
    }
}
