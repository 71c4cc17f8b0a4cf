using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tips.Train.Eval;

/// <summary>One evaluation number with the value a guess reaches (<see cref="Chance"/>) and how it was measured.</summary>
public sealed record Metric(string Name, double Value, double Chance, bool HigherIsBetter, string Description);

/// <summary>The metrics of one evaluation, printable as a table, markdown and JSON.</summary>
public sealed record EvalReport(IReadOnlyList<Metric> Metrics, IReadOnlyDictionary<string, string> Setup)
{
    public double this[string name] => Metrics.First(m => m.Name == name).Value;

    /// <summary><c>{"setup": {...}, "metrics": {name: {"value", "chance", ["untrained",] "higher_is_better", "description"}}}</c>;
    /// <paramref name="untrained"/>: the same evaluation of the model before training, a column beside chance.</summary>
    public string ToJson(EvalReport? untrained = null)
    {
        var metrics = new JsonObject();
        foreach (var m in Metrics)
        {
            var o = new JsonObject { ["value"] = m.Value, ["chance"] = m.Chance };
            if (untrained is not null) o["untrained"] = untrained[m.Name];
            o["higher_is_better"] = m.HigherIsBetter;
            o["description"] = m.Description;
            metrics[m.Name] = o;
        }
        var setup = new JsonObject();
        foreach (var (k, v) in Setup) setup[k] = v;
        return new JsonObject { ["setup"] = setup, ["metrics"] = metrics }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public string ToTable(EvalReport? untrained = null)
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"{"metric",-22} {"value",9} {"chance",9}{(untrained is null ? "" : $" {"untrained",9}")}  description");
        foreach (var m in Metrics)
            s.AppendLine(CultureInfo.InvariantCulture,
                $"{m.Name,-22} {Format(m),9} {Format(m, m.Chance),9}{(untrained is null ? "" : $" {Format(m, untrained[m.Name]),9}")}  {m.Description}");
        return s.ToString();
    }

    public string ToMarkdown(EvalReport? untrained = null)
    {
        var s = new StringBuilder(untrained is null
            ? "| metric | value | chance | description |\n|---|---:|---:|---|\n"
            : "| metric | value | chance | untrained | description |\n|---|---:|---:|---:|---|\n");
        foreach (var m in Metrics)
            s.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.Name} | {Format(m)} | {Format(m, m.Chance)} |{(untrained is null ? "" : $" {Format(m, untrained[m.Name])} |")} {m.Description} |");
        return s.ToString();
    }

    private static string Format(Metric m, double? value = null) =>
        (value ?? m.Value).ToString(m.HigherIsBetter ? "F3" : "F4", CultureInfo.InvariantCulture);
}
