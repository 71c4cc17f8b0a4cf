namespace Tips.Train.Training;

/// <summary>
/// One micro-batch of B examples, already cropped: global crops (B, S, S, 3) and local crops (M, B, s, s, 3),
/// channels-last RGB in [0, 1]; web and synthetic caption ids (B, T), padded with 0.
/// </summary>
public sealed record TrainBatch(int Batch, float[] Global, int GlobalSize, float[] Local, int LocalCrops, int LocalSize,
    int[] WebIds, int[] SyntheticIds)
{
    public void Validate(int patch)
    {
        if (Batch < 1 || GlobalSize % patch != 0 || GlobalSize == 0 || Global.Length != (long)Batch * GlobalSize * GlobalSize * 3)
            throw new Tips.Model.TipsException($"train batch: global crops of {Global.Length} values are not ({Batch}, {GlobalSize}, {GlobalSize}, 3) with size a multiple of {patch}");
        if (LocalCrops < 0 || (LocalCrops > 0 && (LocalSize % patch != 0 || LocalSize == 0))
            || Local.Length != (long)LocalCrops * Batch * LocalSize * LocalSize * 3)
            throw new Tips.Model.TipsException($"train batch: local crops of {Local.Length} values are not ({LocalCrops}, {Batch}, {LocalSize}, {LocalSize}, 3)");
        if (WebIds.Length % Batch != 0 || SyntheticIds.Length % Batch != 0 || WebIds.Length == 0 || SyntheticIds.Length == 0)
            throw new Tips.Model.TipsException($"train batch: caption ids ({WebIds.Length}, {SyntheticIds.Length}) do not split into {Batch} texts");
    }
}

/// <summary>
/// What one optimiser step did: losses (NaN for a switched-off term), schedules, gradient norm, skip; the contrastive
/// temperatures after the step (as learnt, log(1/tau)) and the wall time of its stages.
/// </summary>
public sealed record StepReport(int Step, float Loss, float ClipWeb, float ClipSynthetic, float Distill, float Mask,
    double GradNorm, float LearningRate, float TeacherTemp, float EmaMomentum, bool Skipped)
{
    public float LogInvTauWeb { get; init; }
    public float LogInvTauSynthetic { get; init; }
    public double ForwardSeconds { get; init; }
    public double BackwardSeconds { get; init; }
    public double OptimizerSeconds { get; init; }
}
