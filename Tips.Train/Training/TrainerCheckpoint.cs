using System.Globalization;
using Tips.Model.Checkpoints;
using Tips.Model.Nn;
using Tips.Model.Tensors;

namespace Tips.Train.Training;

// Checkpoints: everything a resumed run needs to continue bit-exactly on the same backend.
public sealed partial class TipsTrainer
{
    private const string FormatName = "tips-train-1";

    /// <summary>
    /// Every tensor of the run by name: student and teacher parameters (<c>student.*</c>, <c>teacher.*</c>, the
    /// temperatures), <c>dino_center</c>, <c>ibot_center</c>, and the AdamW moments (<c>optimizer.m.*</c>, <c>optimizer.v.*</c>).
    /// </summary>
    public IEnumerable<KeyValuePair<string, Tensor>> StateTensors()
    {
        IEnumerable<KeyValuePair<string, Tensor>> Prefixed(string prefix, ParameterSet set) =>
            set.Items.Select(p => new KeyValuePair<string, Tensor>(prefix + p.Key, p.Value));
        var all = Prefixed("student.vision.", Vision.Parameters)
            .Concat(Prefixed("student.text.", Text.Parameters))
            .Concat(Prefixed("student.dino_head.", DinoHead.Parameters))
            .Concat(Prefixed("student.ibot_head.", IbotHead.Parameters))
            .Concat(TeacherVision is null ? [] : Prefixed("teacher.vision.", TeacherVision.Parameters))
            .Concat(Prefixed("teacher.dino_head.", TeacherDinoHead.Parameters))
            .Concat(Prefixed("teacher.ibot_head.", TeacherIbotHead.Parameters))
            .Append(new("log_inv_tau_web", LogInvTauWeb))
            .Append(new("log_inv_tau_synthetic", LogInvTauSynthetic))
            .Append(new("dino_center", Dino.Center))
            .Append(new("ibot_center", Ibot.Center));
        return all.Concat(Optimizer.Moments().Select(m => new KeyValuePair<string, Tensor>("optimizer." + m.Key, m.Value)));
    }

    /// <summary>
    /// Writes a safetensors checkpoint (temporary file, then rename) with the step and RNG state as metadata, plus
    /// <paramref name="extra"/> metadata (e.g. the data loader's position).
    /// </summary>
    public void SaveCheckpoint(string path, IReadOnlyDictionary<string, string>? extra = null)
    {
        var state = new StateDict("checkpoint");
        foreach (var (key, t) in StateTensors()) state.Add(key, NdArray.FromFloats(t.ToHost(), t.Shape));
        var metadata = new Dictionary<string, string>(extra ?? new Dictionary<string, string>())
        {
            ["format"] = FormatName,
            ["step"] = Step.ToString(CultureInfo.InvariantCulture),
            ["rng_state"] = Rng.State.ToString(CultureInfo.InvariantCulture),
        };
        state.Save(path, metadata);
    }

    /// <summary>
    /// Restores a checkpoint written by <see cref="SaveCheckpoint"/> for the same model and options (strict: every
    /// tensor present with its shape, no extra ones). Returns the checkpoint's metadata.
    /// </summary>
    public IReadOnlyDictionary<string, string> LoadCheckpoint(string path)
    {
        var state = StateDict.Load(path);
        if (!state.Metadata.TryGetValue("format", out var format) || format != FormatName
            || !state.Metadata.TryGetValue("step", out var stepText) || !int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out int step)
            || !state.Metadata.TryGetValue("rng_state", out var rngText) || !ulong.TryParse(rngText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong rng))
            throw new Tips.Model.TipsException($"{path}: not a {FormatName} checkpoint (format, step and rng_state metadata needed)");
        var tensors = StateTensors().ToArray();
        state.CheckShapes(tensors.ToDictionary(p => p.Key, p => p.Value.Shape, StringComparer.Ordinal));
        foreach (var (key, t) in tensors) _backend.Upload<float>(state.Floats(key, t.Shape), t.Data);
        Optimizer.Step = step;
        Rng.State = rng;
        return state.Metadata;
    }
}
