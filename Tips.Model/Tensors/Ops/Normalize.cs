namespace Tips.Model.Tensors;

public static partial class Ops
{
    /// <summary>Per row of the last dimension: x / max(|x|, eps) (TIPS releases use eps 1e-3).</summary>
    public static Tensor L2Normalize(this Tape tape, Tensor x, float eps = 1e-3f)
    {
        int cols = x.Shape[^1];
        int rows = (int)(x.Length / cols);
        bool track = tape.Tracks(x);
        var y = tape.NewTensor(x.Shape, track);
        var norms = track ? tape.NewBuffer(rows) : null;
        var be = tape.Backend;
        be.L2NormalizeForward(x.Data, y.Data, norms, rows, cols, eps);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            be.L2NormalizeBackward(y.Data, norms!, dy, x.EnsureGrad(), rows, cols, eps);
        });
        return y;
    }

    /// <summary>softmax(scale * x) over the last dimension.</summary>
    public static Tensor Softmax(this Tape tape, Tensor x, float scale)
    {
        int cols = x.Shape[^1];
        int rows = (int)(x.Length / cols);
        bool track = tape.Tracks(x);
        var y = tape.NewTensor(x.Shape, track);
        var be = tape.Backend;
        be.SoftmaxForward(x.Data, y.Data, rows, cols, scale);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            be.SoftmaxBackward(y.Data, dy, x.EnsureGrad(), rows, cols, scale);
        });
        return y;
    }
}
