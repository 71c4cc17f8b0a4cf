using System.Globalization;

namespace Tips.Train.Cli;

/// <summary>
/// Parsed options of one command: <c>--name value</c> or <c>--name=value</c>; flags declared as repeatable may
/// appear several times, others at most once; switches take no value. Anything else is a usage error.
/// </summary>
internal sealed class Args
{
    private readonly Dictionary<string, List<string>> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> switches = new(StringComparer.Ordinal);

    private Args(string command) => Command = command;

    public string Command { get; }

    public bool Help => switches.Contains("--help");

    public static Args Parse(CommandSpec spec, IReadOnlyList<string> argv)
    {
        var args = new Args(spec.Name);
        for (int i = 0; i < argv.Count; i++)
        {
            var token = argv[i];
            if (token is "-h" or "--help")
            {
                args.switches.Add("--help");
                continue;
            }
            if (!token.StartsWith("--", StringComparison.Ordinal))
                throw new UsageException($"{spec.Name}: unexpected argument '{token}' (options start with --; see tips {spec.Name} --help)");
            string name = token;
            string? inline = null;
            int eq = token.IndexOf('=');
            if (eq > 0) (name, inline) = (token[..eq], token[(eq + 1)..]);
            if (spec.Switches.Contains(name))
            {
                if (inline is not null) throw new UsageException($"{spec.Name}: {name} takes no value");
                args.switches.Add(name);
                continue;
            }
            bool repeatable = spec.Repeatable.Contains(name);
            if (!repeatable && !spec.Options.Contains(name))
                throw new UsageException($"{spec.Name}: unknown option '{name}' (see tips {spec.Name} --help)");
            string value = inline ?? (i + 1 < argv.Count ? argv[++i] : throw new UsageException($"{spec.Name}: {name} needs a value"));
            if (!args.values.TryGetValue(name, out var list)) args.values[name] = list = [];
            else if (!repeatable) throw new UsageException($"{spec.Name}: {name} given more than once");
            list.Add(value);
        }
        return args;
    }

    public bool Has(string name) => switches.Contains(name) || values.ContainsKey(name);

    public string? Optional(string name) => values.TryGetValue(name, out var v) ? v[0] : null;

    public string Required(string name) =>
        Optional(name) ?? throw new UsageException($"{Command}: missing required option {name} (see tips {Command} --help)");

    public IReadOnlyList<string> All(string name) => values.TryGetValue(name, out var v) ? v : [];

    public int Int(string name, int fallback, int min, int max)
    {
        var text = Optional(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new UsageException($"{Command}: {name} must be an integer in {min}..{max}, got '{text}'");
        return v;
    }

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public double Double(string name, double fallback, double min, double max)
    {
        var text = Optional(name);
        if (text is null) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v >= min && v <= max))
            throw new UsageException($"{Command}: {name} must be a number in {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}, got '{text}'");
        return v;
    }

    /// <summary>One of <paramref name="choices"/> (the first is the default).</summary>
    public string Choice(string name, params string[] choices)
    {
        var text = Optional(name) ?? choices[0];
        return choices.Contains(text, StringComparer.Ordinal) ? text
            : throw new UsageException($"{Command}: {name} must be one of {string.Join(", ", choices)}, got '{text}'");
    }

    /// <summary>"HxW" (e.g. 448x448) or null when absent.</summary>
    public (int Height, int Width)? Size(string name)
    {
        var text = Optional(name);
        if (text is null) return null;
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int w) && h > 0 && w > 0)
            return (h, w);
        throw new UsageException($"{Command}: {name} must be HxW with positive integers (e.g. 448x448), got '{text}'");
    }

    /// <summary>A comma-separated list with no empty items.</summary>
    public string[]? List(string name)
    {
        var text = Optional(name);
        if (text is null) return null;
        var items = text.Split(',').Select(s => s.Trim()).ToArray();
        if (items.Any(s => s.Length == 0)) throw new UsageException($"{Command}: {name} has an empty item in '{text}'");
        return items;
    }
}
