using Tips.Kernels;

namespace Tips.Model.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Per-row soft cross-entropy -sum_c t[r, c] log_softmax(scale * x[r])_c of logits x (..., K) against constant
    /// targets t of the same shape, to (rows).
    /// </summary>
    public static Tensor SoftCrossEntropy(this Tape tape, Tensor logits, Tensor targets, float scale)
    {
        if (targets.Length != logits.Length) throw new TipsException($"cross-entropy: targets {targets} for logits {logits}");
        if (targets.RequiresGrad) throw new TipsException("cross-entropy: the targets must be constant");
        int cols = logits.Shape[^1];
        int rows = (int)(logits.Length / cols);
        bool track = tape.Tracks(logits);
        var y = tape.NewTensor([rows], track);
        var be = tape.Backend;
        be.SoftCrossEntropyForward(logits.Data, targets.Data, y.Data, rows, cols, scale);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            be.SoftCrossEntropyBackward(logits.Data, targets.Data, dy, logits.EnsureGrad(), rows, cols, scale);
        });
        return y;
    }

    /// <summary>
    /// The iBOT masked-patch loss, shape (): student and teacher prototype logits (B, N, K), the constant teacher
    /// and center (K), mask (B, N) of 0/1. See <see cref="IBackend.MaskedPatchLossForward"/>.
    /// </summary>
    public static Tensor MaskedPatchLoss(this Tape tape, Tensor student, Tensor teacher, Tensor center, Tensor mask,
        float tauS, float tauT, bool allPositions)
    {
        if (student.Rank != 3 || teacher.Length != student.Length || center.Length != student.Shape[2]
            || mask.Length != (long)student.Shape[0] * student.Shape[1])
            throw new TipsException($"masked-patch loss: student {student}, teacher {teacher}, center {center}, mask {mask}");
        int batch = student.Shape[0], tokens = student.Shape[1], k = student.Shape[2];
        bool track = tape.Tracks(student);
        var y = tape.NewTensor([], track);
        var be = tape.Backend;
        be.MaskedPatchLossForward(student.Data, teacher.Data, center.Data, mask.Data, y.Data, batch, tokens, k, tauS, tauT, allPositions);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            var host = new float[1];
            be.Download(dy, host);
            be.MaskedPatchLossBackward(student.Data, teacher.Data, center.Data, mask.Data, host[0], student.EnsureGrad(),
                batch, tokens, k, tauS, tauT, allPositions);
        });
        return y;
    }

    /// <summary>
    /// Teacher targets softmax((x - center) / tau) per row of x (..., K) with center (K); a constant (no gradient).
    /// </summary>
    public static Tensor CenteredSoftmax(this Tape tape, Tensor x, Tensor center, float tau)
    {
        int cols = x.Shape[^1];
        if (center.Length != cols) throw new TipsException($"centered softmax: center {center} for {x}");
        int rows = (int)(x.Length / cols);
        var shifted = tape.NewBuffer(x.Length);
        var y = tape.NewTensor(x.Shape, requiresGrad: false);
        var be = tape.Backend;
        be.Copy(x.Data, shifted);
        be.AddRowVector(shifted, center.Data, rows, cols, -1f);
        be.SoftmaxForward(shifted, y.Data, rows, cols, 1f / tau);
        return y;
    }
}
