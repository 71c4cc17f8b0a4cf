using Tips.Kernels;
using Tips.Model;

namespace Tips.Train;

/// <summary>The `tips` command: dispatches to sub-commands; exit 0 ok, 1 failure, 2 usage.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        try
        {
            return Run(args, Console.Out);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"tips: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is TipsException or BackendException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"tips: {e.Message}");
            return 1;
        }
    }

    internal static int Run(string[] args, TextWriter stdout)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            stdout.Write(Usage);
            return 0;
        }
        return args[0] switch
        {
            "devices" => Devices(stdout),
            "train" => Training.TrainCommand.Run(args, stdout),
            _ => throw new UsageException($"unknown command '{args[0]}' (see tips --help)"),
        };
    }

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

    private const string Usage = """
        tips - TIPS (Text-Image Pretraining with Spatial awareness) in C#

        usage: tips <command> [options]

        commands:
          devices        list the compute backends on this machine

        Every command takes --device auto|cpu|cuda|opencl|ilgpu-cpu and --help.
        Exit codes: 0 success, 1 failure, 2 usage error.

        """;
}

/// <summary>A command-line usage error: one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
