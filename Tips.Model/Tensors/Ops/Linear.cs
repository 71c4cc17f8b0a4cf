using Tips.Kernels;

namespace Tips.Model.Tensors;

public static partial class Ops
{
    /// <summary>
    /// y = act(x W^T + b) over the last dimension: x (..., in), W (out, in...) in PyTorch layout (a conv weight
    /// (D, 3, P, P) reads as (D, 3*P*P)), b (out) or null. Inference fuses the activation into the GEMM epilogue;
    /// while recording it is a separate op because its backward needs the pre-activation.
    /// </summary>
    public static Tensor Linear(this Tape tape, Tensor x, Tensor weight, Tensor? bias, Activation activation = Activation.None)
    {
        int outF = weight.Shape[0];
        int inF = (int)(weight.Length / outF);
        if (x.Shape[^1] != inF)
            throw new TipsException($"linear: input {x} does not match weight {weight}");
        if (bias is not null && bias.Length != outF)
            throw new TipsException($"linear: bias {bias} does not match weight {weight}");
        bool track = tape.Tracks(x, weight, bias);
        if (track && activation != Activation.None)
            return tape.Activate(activation, tape.Linear(x, weight, bias));

        int rows = (int)(x.Length / inF);
        int[] shape = [.. x.Shape[..^1], outF];
        var y = tape.NewTensor(shape, track);
        var be = tape.Backend;
        be.Gemm(false, true, rows, outF, inF, 1f, x.Data, inF, 0, weight.Data, inF, 0, 0f, y.Data, outF, 0, 1, bias?.Data, activation);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            // A gradient that nothing has written yet is overwritten (beta 0) instead of zeroed and added to.
            if (x.RequiresGrad)
            {
                var dx = x.GradToWrite(out bool fresh);
                be.Gemm(false, false, rows, inF, outF, 1f, dy, outF, 0, weight.Data, inF, 0, fresh ? 0f : 1f, dx, inF, 0);
            }
            if (weight.RequiresGrad)
            {
                var dw = weight.GradToWrite(out bool fresh);
                be.Gemm(true, false, outF, inF, rows, 1f, dy, outF, 0, x.Data, inF, 0, fresh ? 0f : 1f, dw, inF, 0);
            }
            if (bias?.RequiresGrad == true)
            {
                var db = bias.GradToWrite(out bool fresh);
                be.SumRows(dy, db, 1, rows, outF, 1f, fresh ? 0f : 1f);
            }
        });
        return y;
    }
}
