namespace Tips.Model.Tensors;

public static partial class Ops
{
    /// <summary>The mean of all elements, shape ().</summary>
    public static Tensor Mean(this Tape tape, Tensor x)
    {
        int n = (int)x.Length;
        if (n == 0) throw new TipsException($"mean of the empty {x}");
        bool track = tape.Tracks(x);
        var y = tape.NewTensor([], track);
        var be = tape.Backend;
        be.SumRows(x.Data, y.Data, 1, n, 1, 1f / n, 0f);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            be.BroadcastRows(dy, x.EnsureGrad(), 1, n, 1, 1f / n);
        });
        return y;
    }

    /// <summary>y = alpha * x for a constant alpha (loss weights).</summary>
    public static Tensor Scale(this Tape tape, Tensor x, float alpha)
    {
        bool track = tape.Tracks(x);
        var y = tape.NewTensor(x.Shape, track);
        var be = tape.Backend;
        be.Copy(x.Data, y.Data);
        be.Scale(y.Data, alpha);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            be.Axpy(alpha, dy, x.EnsureGrad());
        });
        return y;
    }

    /// <summary>
    /// y = exp(logScale) * x with a learnable scalar logScale (CLIP's log(1/tau)): dx += exp(l) dy,
    /// dl += sum(dy * y). The scalar is read to the host once to scale on the device.
    /// </summary>
    public static Tensor ScaleByExp(this Tape tape, Tensor x, Tensor logScale)
    {
        if (logScale.Length != 1) throw new TipsException($"log scale {logScale} is not a scalar");
        int n = (int)x.Length;
        bool track = tape.Tracks(x, logScale);
        var y = tape.NewTensor(x.Shape, track);
        var be = tape.Backend;
        float s = MathF.Exp(logScale.ToHost()[0]);
        be.Copy(x.Data, y.Data);
        be.Scale(y.Data, s);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            if (x.RequiresGrad) be.Axpy(s, dy, x.EnsureGrad());
            if (logScale.RequiresGrad)
                be.Gemm(false, true, 1, 1, n, 1f, dy, n, 0, y.Data, n, 0, 1f, logScale.EnsureGrad(), 1, 0);
        });
        return y;
    }
}
