using Tips.Kernels;
using Tips.Model.Tensors;

namespace Tips.Train.Losses;

/// <summary>
/// DINO self-distillation on the CLS token with centering (no Sinkhorn). Targets softmax((t - c) / tau_t) use the
/// center before this step's update; the loss is the mean over student crops of the batch-mean cross-entropy
/// against log_softmax(s / tau_s); afterwards c = m c + (1 - m) mean(teacher outputs).
/// </summary>
public sealed class DinoLoss(IBackend backend, int prototypes, float studentTemp = 0.1f, float centerMomentum = 0.9f) : IDisposable
{
    public float StudentTemp { get; } = studentTemp;

    public float CenterMomentum { get; } = centerMomentum;

    /// <summary>The running center (K), starting at zero.</summary>
    public Tensor Center { get; } = Zeros(backend, prototypes);

    /// <summary>Teacher targets (B, K) for teacher head outputs (B, K), a constant.</summary>
    public Tensor Targets(Tape tape, Tensor teacher, float teacherTemp) => tape.CenteredSoftmax(teacher, Center, teacherTemp);

    /// <summary>students (M, B, K): M crops of the same B images; targets (B, K). The scalar loss.</summary>
    public Tensor Compute(Tape tape, Tensor students, Tensor targets)
    {
        if (students.Rank != 3 || students.Shape[1] * (long)students.Shape[2] != targets.Length)
            throw new Tips.Model.TipsException($"dino loss: students {students} against targets {targets}");
        int crops = students.Shape[0];
        Tensor? sum = null;
        for (int m = 0; m < crops; m++)
        {
            var crop = students.Range(m, 1).Reshape(students.Shape[1], students.Shape[2]);
            var ce = tape.Mean(tape.SoftCrossEntropy(crop, targets, 1f / StudentTemp));
            sum = sum is null ? ce : tape.Add(sum, ce);
        }
        return tape.Scale(sum!, 1f / crops);
    }

    /// <summary>c = m c + (1 - m) mean over rows of the teacher outputs (B, K); call after the step's targets.</summary>
    public void UpdateCenter(Tensor teacher)
    {
        int k = (int)Center.Length;
        backend.CenterUpdate(teacher.Data, Center.Data, (int)(teacher.Length / k), k, CenterMomentum);
    }

    internal static Tensor Zeros(IBackend backend, int length)
    {
        var t = Tensor.Empty(backend, [length]);
        backend.Fill(t.Data, 0f);
        return t;
    }

    public void Dispose() => Center.Dispose();
}
