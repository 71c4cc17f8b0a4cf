using BenchmarkDotNet.Attributes;
using Tips.Kernels;
using Tips.Model.Config;
using Tips.Model.Nn;
using Tips.Model.Tensors;
using Tips.Model.Towers;

namespace Tips.Bench;

/// <summary>
/// Image-tower inference at the native 448x448 (32x32 grid, 1026 tokens), batch 1, random weights, on cpu.
/// Run: dotnet run -c Release --project bench/Tips.Bench -- --filter '*VisionForwardBench*' --job short
/// </summary>
[MemoryDiagnoser(displayGenColumns: false)]
public class VisionForwardBench
{
    private IBackend _backend = null!;
    private VisionTower _tower = null!;
    private float[] _pixels = null!;

    [Params("S/14", "B/14")]
    public string Variant { get; set; } = "S/14";

    [GlobalSetup]
    public void Setup()
    {
        _backend = Backends.Create("cpu");
        _tower = VisionTower.Create(_backend, TipsConfig.FromVariant(Variant).Vision, Init.Normal(1, 0.02f));
        var rng = new Random(2);
        _pixels = Enumerable.Range(0, 448 * 448 * 3).Select(_ => rng.NextSingle()).ToArray();
    }

    [Benchmark]
    public float Forward()
    {
        using var tape = new Tape(_backend, recording: false);
        var o = _tower.Forward(tape, tape.Constant(_pixels, 1, 448, 448, 3));
        _backend.Synchronize();
        return o.Cls1.ToHost()[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tower.Dispose();
        _backend.Dispose();
    }
}
