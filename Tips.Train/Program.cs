using Tips.Kernels;
using Tips.Model;
using Tips.Train.Cli;

namespace Tips.Train;

/// <summary>The `tips` command: dispatches to sub-commands; exit 0 ok, 1 failure, 2 usage.</summary>
public static class Program
{
    private static readonly CommandSpec[] Commands =
    [
        new("devices", "list the compute backends on this machine", """
            usage: tips devices

            Lists every backend name with the device it found, or why it is unavailable.
            """, [], [], (_, io) => Devices(io.Out)),
        EncodeImageCommand.Spec,
        EncodeTextCommand.Spec,
        ClassifyCommand.Spec,
        SimilarityCommand.Spec,
        RetrieveCommand.Spec,
        PcaCommand.Spec,
        SegmentCommand.Spec,
        EmbedCommand.Spec,
        Training.TrainCommand.Spec,
        EvalCommand.Spec,
        DemoCommand.Spec,
        AblateCommand.Spec,
    ];

    public static int Main(string[] args) => Execute(args, Console.Out, Console.Error);

    /// <summary>Runs a command and turns failures into one line on <paramref name="stderr"/> and an exit code:
    /// 2 for usage errors, 1 for everything else that goes wrong.</summary>
    public static int Execute(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            return Run(args, stdout, stderr);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"tips: {OneLine(e.Message)}");
            return 2;
        }
        catch (Exception e) when (e is TipsException or BackendException or IOException or UnauthorizedAccessException
                                      or OutOfMemoryException or NotSupportedException)
        {
            stderr.WriteLine($"tips: {OneLine(e.Message)}");
            return 1;
        }
        catch (Exception e)
        {
            // A bug, not bad input: still one line, with the exception type to report it by.
            stderr.WriteLine($"tips: internal error ({e.GetType().Name}): {OneLine(e.Message)}");
            return 1;
        }
    }

    /// <summary>Runs a command; errors propagate as exceptions (<see cref="UsageException"/> for usage).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter? stderr = null)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            stdout.Write(Usage);
            return 0;
        }
        var command = Commands.FirstOrDefault(c => c.Name == args[0])
            ?? throw new UsageException($"unknown command '{args[0]}' (see tips --help)");
        var parsed = Args.Parse(command, args[1..]);
        if (parsed.Help)
        {
            // Raw string literals drop their last line break: without one the shell prompt lands on the example line.
            stdout.WriteLine(command.Help.TrimEnd('\n'));
            return 0;
        }
        return command.Run(parsed, new CliContext(stdout, stderr ?? TextWriter.Null));
    }

    /// <summary>The message's lines joined with "; " so an error is always one line.</summary>
    internal static string OneLine(string message) =>
        string.Join("; ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static int Devices(TextWriter stdout)
    {
        foreach (var name in Backends.Names)
        {
            try
            {
                using var b = Backends.Create(name);
                stdout.WriteLine($"{name,-10} {b.Name,-10} {b.Device}");
            }
            catch (BackendException e)
            {
                stdout.WriteLine($"{name,-10} unavailable: {e.Message}");
            }
        }
        return 0;
    }

    private static string Usage => $"""
        tips - TIPS (Text-Image Pretraining with Spatial awareness) in C#

        usage: tips <command> [options]      (tips <command> --help for its options and examples)

        commands:
        {string.Join("\n", Commands.Select(c => $"  {c.Name,-14} {c.Summary}"))}

        Every command takes --device auto|cpu|cuda|opencl|ilgpu-cpu (default auto) and --help.
        Model commands take --variant (e.g. B/14) or --config C.json for the number of heads; without them an
        official checkpoint is recognised from its shapes.
        Exit codes: 0 success, 1 failure, 2 usage error.

        """;
}

/// <summary>A command-line usage error: one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
