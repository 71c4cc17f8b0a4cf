namespace Tips.Train.Training;

/// <summary>The per-step schedules of the recipe, as functions of the 0-based optimiser step.</summary>
public static class Schedules
{
    /// <summary>Cosine from <paramref name="start"/> at step 0 to <paramref name="end"/> at <paramref name="total"/>.</summary>
    public static double Cosine(double start, double end, int step, int total) =>
        end + 0.5 * (start - end) * (1 + Math.Cos(Math.PI * Math.Min(step, total) / total));

    /// <summary>Linear warm-up to the base rate over the first steps (step 0 already gets base/warmup), then cosine to the minimum.</summary>
    public static float LearningRate(TrainOptions o, int step) =>
        step < o.WarmupSteps
            ? o.LearningRate * (step + 1f) / o.WarmupSteps
            : (float)Cosine(o.LearningRate, o.MinLearningRate, step - o.WarmupSteps, Math.Max(o.TotalSteps - o.WarmupSteps, 1));

    public static float WeightDecay(TrainOptions o, int step) => (float)Cosine(o.WeightDecayStart, o.WeightDecayEnd, step, o.TotalSteps);

    /// <summary>Teacher EMA momentum, cosine from EmaStart to EmaEnd.</summary>
    public static float EmaMomentum(TrainOptions o, int step) => (float)Cosine(o.EmaStart, o.EmaEnd, step, o.TotalSteps);

    /// <summary>Teacher temperature: linear warm-up over the first TeacherTempWarmup of the steps, then constant.</summary>
    public static float TeacherTemp(TrainOptions o, int step)
    {
        double warm = o.TeacherTempWarmup * o.TotalSteps;
        return step >= warm ? o.TeacherTempEnd : (float)(o.TeacherTempStart + (o.TeacherTempEnd - o.TeacherTempStart) * step / warm);
    }

    /// <summary>Whether distillation and masking are on at this step: always, or after the contrastive-only first part of a sequential run.</summary>
    public static bool SelfSupervised(TrainOptions o, int step) => step >= (double)o.Sequential * o.TotalSteps;
}
