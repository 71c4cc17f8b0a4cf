namespace Tips.Train.Cli;

/// <summary>Streams a command writes to: results on stdout, progress and warnings on stderr.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Err);

/// <summary>A sub-command: its options (every command also takes --device and --help), help text and body.</summary>
internal sealed record CommandSpec(string Name, string Summary, string Help, string[] Options, string[] Repeatable,
    string[] Switches, Func<Args, CliContext, int> Run)
{
    public static readonly string[] Common = ["--device"];

    public CommandSpec(string name, string summary, string help, string[] options, string[] repeatable, Func<Args, CliContext, int> run)
        : this(name, summary, help, [.. options, .. Common], repeatable, [], run)
    {
    }
}
