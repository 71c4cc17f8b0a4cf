using Tips.Model.Checkpoints;
using Tips.Model.Nn;

namespace Tips.Train.Training;

// Fine-tuning: the student's towers start from released checkpoints instead of random values.
public sealed partial class TipsTrainer
{
    /// <summary>
    /// Overwrites the student's image and/or text tower with a checkpoint in the release layout (<c>*_vision.npz</c>,
    /// <c>*_text.npz</c> or their .safetensors; strict keys and shapes) and copies the image tower to the EMA teacher.
    /// The release's text <c>temperature</c> is the web contrastive temperature, so it also sets
    /// <see cref="LogInvTauWeb"/>; the synthetic one keeps <see cref="TrainOptions.InitialTau"/>. Only before the first step.
    /// </summary>
    public void InitializeFrom(StateDict? vision, StateDict? text)
    {
        if (Step != 0) throw new Tips.Model.TipsException($"initialising from a checkpoint needs a fresh run, this one is at step {Step}");
        if (vision is not null)
        {
            Vision.Parameters.CopyFrom(vision);
            TeacherVision?.Parameters.CopyFrom(vision);
        }
        if (text is not null)
        {
            Text.Parameters.CopyFrom(text);
            float tau = Text.Temperature.ToHost()[0];
            if (!(tau > 0f) || !float.IsFinite(tau))
                throw new Tips.Model.TipsException($"{text.Source}: temperature {tau} is not a positive number");
            _backend.Upload<float>([MathF.Log(1f / tau)], LogInvTauWeb.Data);
        }
    }
}
