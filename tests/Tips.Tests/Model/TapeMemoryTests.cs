using Tips.Kernels;
using Tips.Model.Config;
using Tips.Model.Tensors;
using Tips.Model.Towers;

namespace Tips.Tests.Model;

/// <summary>The tape returns every intermediate to the pool, so repeated steps stop allocating after warm-up.</summary>
public sealed class TapeMemoryTests : IDisposable
{
    private readonly CpuBackend _backend = new();

    public void Dispose() => _backend.Dispose();

    [Fact]
    public void TrainingStepsDoNotGrowDeviceMemoryAfterWarmUp()
    {
        using var vision = VisionTower.Create(_backend, new VisionConfig(32, 2, 2, 64, FfnKind.Mlp, 14, 3), VisionReferenceTests.RandomWeights(1));
        using var text = TextTower.Create(_backend, new TextConfig(32, 2, 2, 64, 100, 8), VisionReferenceTests.RandomWeights(2));
        var pixels = VisionReferenceTests.RandomPixels(2 * 28 * 42 * 3, 1);
        int[] ids = [4, 8, 15, 16, 23, 42, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0];
        var mask = new float[2 * 6];
        mask[1] = mask[8] = 1f;
        var sizes = new List<long>();
        for (int step = 0; step < 5; step++)
        {
            vision.Parameters.ZeroGrad();
            text.Parameters.ZeroGrad();
            using (var tape = new Tape(_backend, recording: true))
            {
                var images = tape.Constant(pixels, 2, 28, 42, 3);
                var o = vision.Forward(tape, images, new VisionOptions { Mask = mask });
                var t = text.Forward(tape, ids, 2);
                // A CLIP-like scalar: sum of image-text cosine similarities, through every output.
                var sim = tape.Linear(tape.L2Normalize(tape.Add(o.Cls1, o.Cls2)), tape.L2Normalize(t), null);
                var loss = tape.Add(tape.Dot(sim, tape.Constant([1f, -1f, 0.5f, 2f], 4)), tape.Dot(o.PatchTokens, o.PatchTokens));
                tape.Backward(loss);
            }
            sizes.Add(_backend.BytesAllocated);
        }
        Assert.True(sizes[1] > 0);
        Assert.All(sizes.Skip(2), s => Assert.Equal(sizes[1], s));
        Assert.NotNull(vision.MaskToken.Grad);
    }

    [Fact]
    public void BackwardReturnsIntermediateGradientsToThePool()
    {
        // Every intermediate of a recording forward gets a gradient of its own size in the backward. Released once
        // its producer's backward ran, the memory the backward adds beyond the parameter gradients stays a small
        // part of the activations of a 6-block tower (kept, it would be about as large as them).
        using var backend = new CpuBackend();
        using var tower = VisionTower.Create(backend, new VisionConfig(32, 6, 2, 64, FfnKind.Mlp, 14, 3), VisionReferenceTests.RandomWeights(4));
        long parameters = backend.BytesAllocated;
        using var tape = new Tape(backend, recording: true);
        var output = tower.Forward(tape, tape.Constant(VisionReferenceTests.RandomPixels(2 * 42 * 42 * 3, 5), 2, 42, 42, 3));
        var loss = tape.Dot(output.PatchTokens, output.PatchTokens);
        long activations = backend.BytesAllocated - parameters;
        tape.Backward(loss);
        long added = backend.BytesAllocated - parameters - activations - parameters;
        Assert.True(added < activations / 3, $"backward added {added} bytes beyond the parameter gradients for {activations} bytes of activations");
        Assert.Null(output.PatchTokens.Grad);
        Assert.All(tower.Parameters.Items.Where(p => p.Key.StartsWith("blocks.", StringComparison.Ordinal)), p => Assert.NotNull(p.Value.Grad));
    }

    [Fact]
    public void InferenceReleasesIntermediatesEarly()
    {
        // Without recording, a deep tower holds only a few activations at once: peak memory of a 6-block forward
        // equals that of a 1-block forward once the pools are warm.
        var config = new VisionConfig(32, 1, 2, 64, FfnKind.Mlp, 14, 3);
        long Peak(int depth)
        {
            using var backend = new CpuBackend();
            using var tower = VisionTower.Create(backend, config with { Depth = depth }, VisionReferenceTests.RandomWeights(3));
            long parameters = backend.BytesAllocated;
            using var tape = new Tape(backend, recording: false);
            tower.Forward(tape, tape.Constant(VisionReferenceTests.RandomPixels(42 * 42 * 3, 2), 1, 42, 42, 3));
            return backend.BytesAllocated - parameters;
        }
        Assert.Equal(Peak(1), Peak(6));
    }
}
