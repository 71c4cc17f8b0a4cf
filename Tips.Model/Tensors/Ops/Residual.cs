namespace Tips.Model.Tensors;

public static partial class Ops
{
    /// <summary>y = x + gamma * r, gamma (D) per channel (layer scale) or null for a plain residual add.</summary>
    public static Tensor AddScaled(this Tape tape, Tensor x, Tensor r, Tensor? gamma)
    {
        if (x.Length != r.Length) throw new TipsException($"residual: {x} + {r}");
        int cols = x.Rank == 0 ? 1 : x.Shape[^1];
        if (gamma is not null && gamma.Length != cols) throw new TipsException($"layer scale {gamma} for {x}");
        int rows = (int)(x.Length / cols);
        bool track = tape.Tracks(x, r, gamma);
        var y = tape.NewTensor(x.Shape, track);
        var be = tape.Backend;
        be.Copy(x.Data, y.Data);
        be.ScaledResidualForward(y.Data, r.Data, gamma?.Data, rows, cols);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            if (x.RequiresGrad)
            {
                var dx = x.GradToWrite(out bool fresh);
                if (fresh) be.Copy(dy, dx);
                else be.Axpy(1f, dy, dx);
            }
            if (r.RequiresGrad || gamma?.RequiresGrad == true)
                be.ScaledResidualBackward(dy, r.Data, gamma?.Data, tape.GradOrScratch(r),
                    gamma?.RequiresGrad == true ? gamma.EnsureGrad() : null, rows, cols);
        });
        return y;
    }

    /// <summary>y = a + b (same number of elements; the shape of a).</summary>
    public static Tensor Add(this Tape tape, Tensor a, Tensor b) => tape.AddScaled(a, b, null);

    /// <summary>y[b, ...] = x[b, ...] + v[...]: v broadcast over the leading dimension of x.</summary>
    public static Tensor AddBroadcast(this Tape tape, Tensor x, Tensor v)
    {
        int cols = (int)v.Length;
        if (x.Length % cols != 0 || x.Length / x.Shape[0] != cols)
            throw new TipsException($"broadcast add: {v} does not match the rows of {x}");
        int rows = x.Shape[0];
        bool track = tape.Tracks(x, v);
        var y = tape.NewTensor(x.Shape, track);
        var be = tape.Backend;
        be.Copy(x.Data, y.Data);
        be.AddRowVector(y.Data, v.Data, rows, cols, 1f);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            if (x.RequiresGrad) be.Axpy(1f, dy, x.EnsureGrad());
            if (v.RequiresGrad) be.SumRows(dy, v.EnsureGrad(), 1, rows, cols, 1f, 1f);
        });
        return y;
    }
}
