using Tips.Kernels;
using Tips.Model.Tensors;

namespace Tips.Train.Losses;

/// <summary>
/// iBOT's masked-patch loss: teacher patch targets softmax((t - c_p) / tau_t) from the unmasked view against the
/// student's log_softmax(s / tau_s) from the masked view; per image the mean over its masked patches (0 for an image
/// with none, which still counts), then the mean over images. iBOT++ (TIPSv2) averages over every patch instead.
/// The patch center moves with the mean over all patches of the batch.
/// </summary>
public sealed class IbotLoss(IBackend backend, int prototypes, float studentTemp = 0.1f, float centerMomentum = 0.9f) : IDisposable
{
    public float StudentTemp { get; } = studentTemp;

    public float CenterMomentum { get; } = centerMomentum;

    /// <summary>The running patch center (K), starting at zero.</summary>
    public Tensor Center { get; } = DinoLoss.Zeros(backend, prototypes);

    /// <summary>Teacher targets for patch outputs (..., K), a constant (for inspection; the loss op forms its own).</summary>
    public Tensor Targets(Tape tape, Tensor teacher, float teacherTemp) => tape.CenteredSoftmax(teacher, Center, teacherTemp);

    /// <summary>student, teacher (B, N, K); mask (B, N) of 0/1. The scalar loss.</summary>
    public Tensor Compute(Tape tape, Tensor student, Tensor teacher, Tensor mask, float teacherTemp, bool allPositions) =>
        tape.MaskedPatchLoss(student, teacher, Center, mask, StudentTemp, teacherTemp, allPositions);

    /// <summary>c_p = m c_p + (1 - m) mean over the patches (..., K); equal patch counts make it the batch mean of per-image means.</summary>
    public void UpdateCenter(Tensor teacher)
    {
        int k = (int)Center.Length;
        backend.CenterUpdate(teacher.Data, Center.Data, (int)(teacher.Length / k), k, CenterMomentum);
    }

    public void Dispose() => Center.Dispose();
}
