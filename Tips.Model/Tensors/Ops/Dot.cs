namespace Tips.Model.Tensors;

public static partial class Ops
{
    /// <summary>The scalar sum(a * b) over all elements (a GEMM of 1 x n by n x 1), shape ().</summary>
    public static Tensor Dot(this Tape tape, Tensor a, Tensor b)
    {
        if (a.Length != b.Length) throw new TipsException($"dot: {a} and {b}");
        int n = (int)a.Length;
        bool track = tape.Tracks(a, b);
        var y = tape.NewTensor([], track);
        var be = tape.Backend;
        be.Gemm(false, true, 1, 1, n, 1f, a.Data, n, 0, b.Data, n, 0, 0f, y.Data, 1, 0);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            // da += dy * b and db += dy * a, dy staying on the device.
            if (a.RequiresGrad) be.Gemm(false, false, 1, n, 1, 1f, dy, 1, 0, b.Data, n, 0, 1f, a.EnsureGrad(), n, 0);
            if (b.RequiresGrad) be.Gemm(false, false, 1, n, 1, 1f, dy, 1, 0, a.Data, n, 0, 1f, b.EnsureGrad(), n, 0);
        });
        return y;
    }
}
