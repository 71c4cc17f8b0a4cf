using System.Diagnostics;
using Tips.Kernels;
using Tips.Tests.Train;
using Tips.Train.Training;

namespace Tips.Tests.Reliability;

/// <summary>
/// Long-run stability of training the tiny model: device memory constant, managed heap and working set without
/// drift. The suite runs 200 steps; scripts/soak.sh runs 2,000 (TIPS_SOAK_STEPS) alone in its process and prints
/// the peak working set at steps 100 and 2,000.
/// </summary>
public class SoakTests
{
    private static int Steps => Environment.GetEnvironmentVariable("TIPS_SOAK_STEPS") is { Length: > 0 } s ? int.Parse(s) : 200;

    private sealed record Sample(int Step, long WorkingSet, long PeakWorkingSet, long ManagedHeap, long DeviceBytes);

    [Fact]
    public void TrainingMemoryDoesNotDrift()
    {
        int steps = Steps;
        using var backend = Backends.Create("cpu");
        using var trainer = new TipsTrainer(backend, TinyTraining.Config(), TinyTraining.Options with { TotalSteps = steps, WarmupSteps = 10 });
        var rng = new Random(21);
        // A fixed pool of batches: data generation allocates nothing across the run, as a real loader's pool.
        var batches = Enumerable.Range(0, 8).Select(_ => TinyTraining.RandomBatch(rng, 2, 2)).ToArray();
        var samples = new List<Sample>();
        int warm = Math.Min(50, steps / 4), skipped = 0;
        var checkpoints = new HashSet<int> { warm, 100, steps / 2, steps };
        var clock = Stopwatch.StartNew();
        for (int step = 1; step <= steps; step++)
        {
            if (trainer.TrainStep([batches[step % batches.Length]]).Skipped) skipped++;
            if (!checkpoints.Contains(step)) continue;
            long heap = GC.GetTotalMemory(forceFullCollection: true);
            using var self = Process.GetCurrentProcess();
            samples.Add(new Sample(step, self.WorkingSet64, self.PeakWorkingSet64, heap, backend.BytesAllocated));
        }
        foreach (var s in samples)
            Console.WriteLine($"soak step {s.Step}: working set {s.WorkingSet >> 20} MiB, peak working set {s.PeakWorkingSet >> 20} MiB, managed heap {s.ManagedHeap >> 20} MiB, backend {s.DeviceBytes >> 10} KiB");
        Console.WriteLine($"soak: {steps} steps in {clock.Elapsed.TotalSeconds:F1} s, {skipped} skipped");

        Assert.Equal(0, skipped);
        var first = samples.Single(s => s.Step == warm);
        var last = samples.Single(s => s.Step == steps);
        // Device buffers are sized by the model: a warm step leaves none behind.
        Assert.Equal(first.DeviceBytes, last.DeviceBytes);
        // The heap is shared with tests running in parallel in the suite: the bounds allow for their noise, not for
        // a leak per step (a single float[] of an activation per step would add megabytes).
        Assert.True(last.ManagedHeap - first.ManagedHeap < 48L << 20, $"managed heap grew from {first.ManagedHeap >> 20} to {last.ManagedHeap >> 20} MiB");
        Assert.True(last.WorkingSet - first.WorkingSet < 128L << 20, $"working set grew from {first.WorkingSet >> 20} to {last.WorkingSet >> 20} MiB");
    }
}
