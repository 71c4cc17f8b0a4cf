using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tips.Model;

namespace Tips.Train.Training;

/// <summary>
/// RUN_DIR/metrics.jsonl: one JSON object per step attempt with the step, each loss term (null when off or skipped),
/// the gradient norm, learning rate, teacher temperature, EMA momentum, the contrastive temperatures tau_web and
/// tau_synthetic, images/s and the stage times in seconds (data wait, forward, backward, optimizer, whole step).
/// A resumed run first drops the lines of steps at or after the checkpoint's step, so the file describes one run.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    public const string FileName = "metrics.jsonl";
    private readonly StreamWriter _writer;
    private readonly List<(int Step, float[] Values)> _points = [];

    public MetricsLog(string runDir, int fromStep)
    {
        string path = Path.Combine(runDir, FileName);
        var kept = new List<string>();
        if (fromStep > 0 && File.Exists(path))
            foreach (var line in File.ReadAllLines(path))
            {
                if (line.Length == 0) continue;
                JsonNode? node;
                try
                {
                    node = JsonNode.Parse(line);
                }
                catch (JsonException e)
                {
                    throw new TipsException($"{path}: line {kept.Count + 1} is not JSON ({e.Message})");
                }
                int step = node?["step"]?.GetValue<int>() ?? throw new TipsException($"{path}: a line without 'step'");
                if (step >= fromStep) continue;
                kept.Add(line);
                Add(step, node);
            }
        File.WriteAllLines(path, kept);
        _writer = new StreamWriter(path, append: true) { AutoFlush = true };
    }

    /// <summary>(step, values in <see cref="LossCurve.Series"/> order) of every finished step so far, for the curve.</summary>
    public IReadOnlyList<(int Step, float[] Values)> Points => _points;

    public void Write(StepReport r, StageTimes t, int images)
    {
        static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
        var node = new JsonObject
        {
            ["step"] = r.Step,
            ["skipped"] = r.Skipped,
            ["loss"] = r.Skipped ? null : Num(r.Loss),
            ["clip_web"] = r.Skipped ? null : Num(r.ClipWeb),
            ["clip_synthetic"] = r.Skipped ? null : Num(r.ClipSynthetic),
            ["distill"] = r.Skipped ? null : Num(r.Distill),
            ["mask"] = r.Skipped ? null : Num(r.Mask),
            ["grad_norm"] = Num(r.GradNorm),
            ["lr"] = r.LearningRate,
            ["teacher_temp"] = r.TeacherTemp,
            ["ema_momentum"] = r.EmaMomentum,
            ["tau_web"] = MathF.Exp(-r.LogInvTauWeb),
            ["tau_synthetic"] = MathF.Exp(-r.LogInvTauSynthetic),
            ["images_per_s"] = Num(images / t.Total),
            ["data_s"] = t.Data,
            ["forward_s"] = t.Forward,
            ["backward_s"] = t.Backward,
            ["optimizer_s"] = t.Optimizer,
            ["step_s"] = t.Total,
        };
        _writer.WriteLine(node.ToJsonString());
        Add(r.Step, node);
    }

    private void Add(int step, JsonNode node)
    {
        if (node["skipped"]?.GetValue<bool>() == true) return;
        _points.Add((step, LossCurve.Series.Select(s => node[s.Name] is JsonValue v ? (float)v.GetValue<double>() : float.NaN).ToArray()));
    }

    public void Dispose() => _writer.Dispose();
}

/// <summary>Wall seconds of one step's stages; <see cref="Total"/> includes what the others do not cover.</summary>
public readonly record struct StageTimes(double Data, double Forward, double Backward, double Optimizer, double Total)
{
    public static StageTimes operator +(StageTimes a, StageTimes b) =>
        new(a.Data + b.Data, a.Forward + b.Forward, a.Backward + b.Backward, a.Optimizer + b.Optimizer, a.Total + b.Total);

    /// <summary>"data 3% forward 35% backward 55% optimizer 7%" of <see cref="Total"/>.</summary>
    public string Shares() => string.Create(CultureInfo.InvariantCulture,
        $"data {Share(Data)} forward {Share(Forward)} backward {Share(Backward)} optimizer {Share(Optimizer)}");

    private string Share(double part) => Total > 0 ? (part / Total).ToString("P1", CultureInfo.InvariantCulture).Replace(" ", "") : "-";
}
