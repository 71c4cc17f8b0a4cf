using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Tips.Kernels;

namespace Tips.Bench;

/// <summary>
/// BenchmarkDotNet configuration: short in-process jobs (no per-benchmark project build, which alone can take minutes
/// on 2 shared cores) plus throughput and fraction-of-peak columns.
/// </summary>
public sealed class BdnConfig : ManualConfig
{
    /// <summary>Peaks measured once in the host process, which is where the columns are computed.</summary>
    public static double FmaGflops { get; private set; } = double.NaN;

    public static double CopyGBps { get; private set; } = double.NaN;

    public static void MeasurePeaks()
    {
        FmaGflops = Peak.FmaPeakGflops(Peak.FmaGflops(runs: 3), Peak.FmaGflopsPerCpuSecond(runs: 3));
        CopyGBps = Peak.CopyGBps(runs: 3);
        Console.WriteLine($"peak: FMA {FmaGflops:F1} GFLOP/s, copy {CopyGBps:F1} GB/s");
    }

    public BdnConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
        WithBuildTimeout(TimeSpan.FromMinutes(10));
        WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(48));
        AddColumn(new ThroughputColumn(false), new ThroughputColumn(true));
    }
}

/// <summary>GFLOP/s or GB/s from the median time, or its fraction of the measured peak.</summary>
public sealed class ThroughputColumn(bool ratio) : IColumn
{
    public string Id => ratio ? "PeakRatio" : "Throughput";

    public string ColumnName => ratio ? "Of peak" : "Throughput";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => ratio ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => ratio ? "Throughput over the measured FMA (flops) or copy (bytes) peak of all cores" : "GFLOP/s (2 m n k) or GB/s (bytes read + written once) at the median time";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? ns = summary[benchmarkCase]?.ResultStatistics?.Median;
        var work = Work(benchmarkCase);
        if (ns is null || work is null) return "-";
        double value = work.Value.Amount / ns.Value;
        double peak = work.Value.IsFlops ? BdnConfig.FmaGflops : BdnConfig.CopyGBps;
        return ratio ? $"{value / peak:P1}" : $"{value:F1} {(work.Value.IsFlops ? "GFLOP/s" : "GB/s")}";
    }

    private static (double Amount, bool IsFlops)? Work(BenchmarkCase benchmarkCase)
    {
        if (benchmarkCase.Parameters["Case"] is string key)
        {
            using var c = Cases.Create(key);
            return (c.Work, c.IsFlops);
        }
        return benchmarkCase.Descriptor.WorkloadMethod.Name switch
        {
            nameof(PeakBenchmarks.Fma) => (PeakBenchmarks.FmaFlops, true),
            nameof(PeakBenchmarks.Copy) => (PeakBenchmarks.CopyBytes, false),
            _ => null,
        };
    }

    public override string ToString() => ColumnName;
}

/// <summary>Shared body of the kernel benchmark classes: one <see cref="BenchCase"/> per parameter value.</summary>
public abstract class CaseBenchmarks
{
    private CpuBackend? _backend;
    private BenchCase? _case;

    [ParamsSource(nameof(CaseKeys))]
    public string Case { get; set; } = "";

    public IEnumerable<string> CaseKeys => Cases.Keys(Group);

    protected abstract string Group { get; }

    [GlobalSetup]
    public void Setup()
    {
        _backend = new CpuBackend();
        _case = Cases.Create(Case);
        _case.Setup(_backend);
    }

    [Benchmark]
    public void Run() => _case!.Run();

    [GlobalCleanup]
    public void Cleanup()
    {
        _case?.Dispose();
        _backend?.Dispose();
    }
}

public class GemmBenchmarks : CaseBenchmarks
{
    protected override string Group => "gemm";
}

/// <summary>LayerNorm and softmax forward (memory-bound: GB/s).</summary>
public class NormBenchmarks : CaseBenchmarks
{
    protected override string Group => "norm";
}

/// <summary>Fused attention forward next to its two batched GEMMs.</summary>
public class AttentionBenchmarks : CaseBenchmarks
{
    protected override string Group => "attention";
}

/// <summary>The machine peaks as benchmarks: one FMA-chain burst and one large copy on all cores.</summary>
public class PeakBenchmarks
{
    private const long FmaIterations = 2_000_000;
    private const int CopyFloats = 32 << 20;

    public static double FmaFlops => Environment.ProcessorCount * (double)FmaIterations * Peak.FlopsPerIteration;

    public static double CopyBytes => 2.0 * CopyFloats * sizeof(float);

    private float[] _src = [], _dst = [];

    [GlobalSetup]
    public void Setup()
    {
        _src = new float[CopyFloats];
        _dst = new float[CopyFloats];
        _src.AsSpan().Fill(1f);
    }

    [Benchmark]
    public void Fma() => Peak.FmaAllCores(FmaIterations);

    [Benchmark]
    public void Copy() => Peak.CopyAllCores(_src, _dst);
}
