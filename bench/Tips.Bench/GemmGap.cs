using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Tips.Kernels;

namespace Tips.Bench;

/// <summary>
/// gemmgap [--tower vision|text] [--variant B/14] [--size 448] [--tokens 64] [--batch 1] [--reps 5]: the Linear
/// GEMMs of one inference forward, timed inside the model (per-op wall clock) and standalone on the same shapes in
/// the same process, repetitions interleaved: "hot" reuses one weight (the kernel bench's setting), "cold" cycles
/// through as many distinct weights as the model has layers (each read from memory, as in the model), "noepi"
/// is hot without the activation epilogue. Prints per shape the median ms per call of each.
/// </summary>
public static partial class GemmGap
{
    public static int Run(string[] args)
    {
        if (ForwardShape.Parse("gemmgap", args) is not { } shape) return 2;
        var cpu = new CpuBackend();
        using var profiler = new OpProfiler(cpu);
        using var step = shape.Build(profiler);
        step.Run();
        profiler.Reset();
        step.Run();
        var shapes = new List<Shape>();
        foreach (var (op, (calls, _, _)) in profiler.Ops)
        {
            var match = ShapePattern().Match(op);
            if (!match.Success || calls < 2) continue;
            shapes.Add(new Shape(op, cpu, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
                int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture),
                match.Groups[4].Success ? Enum.Parse<Activation>(match.Groups[4].Value) : Activation.None, calls));
        }
        Console.WriteLine($"# gemmgap {shape}, {shape.Reps} interleaved reps, load {File.ReadAllText("/proc/loadavg").Trim()}");
        var forwardTimes = new List<double>();
        for (int r = 0; r < shape.Reps; r++)
        {
            profiler.Reset();
            long t0 = Stopwatch.GetTimestamp();
            step.Run();
            forwardTimes.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            foreach (var s in shapes)
            {
                var (calls, seconds, _) = profiler.Ops[s.Op];
                s.Model.Add(seconds / calls);
                s.Hot.Add(s.Time(cold: false, epilogue: true));
                s.Cold.Add(s.Time(cold: true, epilogue: true));
                s.NoEpilogue.Add(s.Time(cold: false, epilogue: false));
            }
        }
        Console.WriteLine($"forward median {Stats.Median(forwardTimes):F3} s; weight panels packed / reused {cpu.PanelStats}; load after {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| op | calls | model ms | hot ms | cold ms | noepi ms | model GFLOP/s | hot GFLOP/s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in shapes)
        {
            double flops = 2.0 * s.M * s.N * s.K;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Op} | {s.Calls} | {Stats.Median(s.Model) * 1e3:F2} | {Stats.Median(s.Hot) * 1e3:F2} | {Stats.Median(s.Cold) * 1e3:F2} | {Stats.Median(s.NoEpilogue) * 1e3:F2} | {flops / Stats.Median(s.Model) / 1e9:F0} | {flops / Stats.Median(s.Hot) / 1e9:F0} |"));
            s.Dispose();
        }
        return 0;
    }

    [GeneratedRegex(@"^Gemm NT (\d+)x(\d+)x(\d+)(?: \+(\w+))?$")]
    private static partial Regex ShapePattern();

    private sealed class Shape : IDisposable
    {
        private readonly IBackend _backend;
        private readonly DeviceBuffer<float> _a, _c, _bias;
        private readonly DeviceBuffer<float>[] _weights;

        public Shape(string op, IBackend backend, int m, int n, int k, Activation activation, int calls)
        {
            Op = op;
            _backend = backend;
            M = m;
            N = n;
            K = k;
            Activation = activation;
            Calls = calls;
            _a = Random((long)m * k, 1);
            _c = Random((long)m * n, 2);
            _bias = Random(n, 3);
            _weights = Enumerable.Range(0, calls).Select(i => Random((long)n * k, 10 + i)).ToArray();
        }

        public string Op { get; }
        public int M { get; }
        public int N { get; }
        public int K { get; }
        public Activation Activation { get; }
        public int Calls { get; }
        public List<double> Model { get; } = [];
        public List<double> Hot { get; } = [];
        public List<double> Cold { get; } = [];
        public List<double> NoEpilogue { get; } = [];

        /// <summary>Seconds per call over <see cref="Calls"/> calls.</summary>
        public double Time(bool cold, bool epilogue)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < Calls; i++)
                _backend.Gemm(false, true, M, N, K, 1f, _a, K, 0, _weights[cold ? i : 0], K, 0, 0f, _c, N, 0, 1,
                    epilogue ? _bias : null, epilogue ? Activation : Activation.None);
            return Stopwatch.GetElapsedTime(t0).TotalSeconds / Calls;
        }

        private DeviceBuffer<float> Random(long length, int seed)
        {
            var rng = new Random(seed);
            var host = new float[length];
            for (int i = 0; i < host.Length; i++) host[i] = (float)(rng.NextDouble() * 2 - 1) * 0.05f;
            var buffer = _backend.Allocate(length);
            _backend.Upload<float>(host, buffer);
            return buffer;
        }

        public void Dispose()
        {
            _a.Dispose();
            _c.Dispose();
            _bias.Dispose();
            foreach (var w in _weights) w.Dispose();
        }
    }
}
