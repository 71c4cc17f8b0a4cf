using BenchmarkDotNet.Running;

namespace Tips.Bench;

/// <summary>
/// summary [--reps N] [--budget S] [--filter TEXT]: quick Stopwatch table + JSON (bench/run.sh);
/// device --device cuda [options]: the same kernels on an ILGPU device against its measured peak (<see cref="DeviceSummary"/>);
/// model [options]: one configuration of the PyTorch comparison (bench/run-compare.sh, <see cref="ModelCompare"/>);
/// gemmgap [options]: a forward's Linear GEMMs in the model against the same shapes standalone (<see cref="GemmGap"/>);
/// panelab [options]: a forward with and without the weight panel cache, alternated (<see cref="PanelCacheAb"/>);
/// bdn [BenchmarkDotNet arguments]: the full BenchmarkDotNet runs, e.g. bdn --filter *Gemm*.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "summary") return QuickSummary.Run(args[1..]);
        if (args.Length > 0 && args[0] == "model") return ModelCompare.Run(args[1..]);
        if (args.Length > 0 && args[0] == "gemmgap") return GemmGap.Run(args[1..]);
        if (args.Length > 0 && args[0] == "panelab") return PanelCacheAb.Run(args[1..]);
        if (args.Length > 0 && args[0] == "device") return DeviceSummary.Run(args[1..]);
        if (args.Length > 0 && args[0] == "bdn")
        {
            BdnConfig.MeasurePeaks();
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..], new BdnConfig());
            return 0;
        }
        Console.Error.WriteLine("usage: Tips.Bench summary [--reps N] [--budget SECONDS] [--filter TEXT] | device --device NAME [options] | model [options] | gemmgap [options] | panelab [options] | bdn [BenchmarkDotNet args]");
        return 2;
    }
}
