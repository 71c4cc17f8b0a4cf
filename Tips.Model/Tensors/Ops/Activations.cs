using Tips.Kernels;

namespace Tips.Model.Tensors;

public static partial class Ops
{
    /// <summary>y = f(x) elementwise (GELU is the exact erf form).</summary>
    public static Tensor Activate(this Tape tape, Activation kind, Tensor x)
    {
        bool track = tape.Tracks(x);
        var y = tape.NewTensor(x.Shape, track);
        var be = tape.Backend;
        be.ActivationForward(kind, x.Data, y.Data);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            be.ActivationBackward(kind, x.Data, dy, x.EnsureGrad());
        });
        return y;
    }

    /// <summary>SwiGLU of x (..., 2h): silu(first half) * second half, to (..., h).</summary>
    public static Tensor SwiGlu(this Tape tape, Tensor x)
    {
        if (x.Shape[^1] % 2 != 0) throw new TipsException($"swiglu: odd last dimension in {x}");
        int hidden = x.Shape[^1] / 2;
        int rows = (int)(x.Length / x.Shape[^1]);
        bool track = tape.Tracks(x);
        var y = tape.NewTensor([.. x.Shape[..^1], hidden], track);
        var be = tape.Backend;
        be.SwiGluForward(x.Data, y.Data, rows, hidden);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            be.SwiGluBackward(x.Data, dy, x.EnsureGrad(), rows, hidden);
        });
        return y;
    }
}
