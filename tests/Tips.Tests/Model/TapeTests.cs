using Tips.Kernels;
using Tips.Model;
using Tips.Model.Tensors;

namespace Tips.Tests.Model;

/// <summary>Tape mechanics: accumulation over branches, views sharing gradients, recording off, misuse errors.</summary>
public sealed class TapeTests : IDisposable
{
    private readonly CpuBackend _backend = new();

    public void Dispose() => _backend.Dispose();

    [Fact]
    public void GradientsAccumulateOverBranchesAndFlowThroughViews()
    {
        float[] xs = [0.5f, -1.25f, 2f, 0.75f, -0.3f, 1.1f], ws = [1.5f, 0.25f, -2f, 0.5f, 3f, -0.7f];
        using var x = Tensor.FromHost(_backend, xs, [2, 3], requiresGrad: true);
        using var w = Tensor.FromHost(_backend, ws, [3, 2], requiresGrad: true);
        using var tape = new Tape(_backend, recording: true);
        // loss = x.x + x.w + 2 * (row 1 of w) . (row 1 of w): x is used twice, w through a view and directly.
        var row = w.Range(1, 1);
        var loss = tape.Add(tape.Add(tape.Dot(x, x), tape.Dot(x, w.Reshape(2, 3))), tape.Add(tape.Dot(row, row), tape.Dot(row, row)));
        tape.Backward(loss);

        double expectedLoss = 0;
        for (int i = 0; i < 6; i++) expectedLoss += (double)xs[i] * xs[i] + (double)xs[i] * ws[i];
        expectedLoss += 2 * ((double)ws[2] * ws[2] + (double)ws[3] * ws[3]);
        Assert.Equal(expectedLoss, loss.ToHost()[0], 5);
        var dx = x.GradToHost()!;
        var dw = w.GradToHost()!;
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(2 * xs[i] + ws[i], dx[i], 5);
            Assert.Equal(xs[i] + (i is 2 or 3 ? 4 * ws[i] : 0), dw[i], 5);
        }
    }

    [Fact]
    public void FreshGradientsAreOverwrittenAndLaterOnesAccumulated()
    {
        // s = 2 (x W^T + b) as the sum of two identical Linear outputs, loss = s.s. The second Linear's backward runs
        // first and writes the gradients of x, W and b into fresh buffers (GEMM beta 0, SumRows beta 0); the first
        // adds to them. The pool first gets NaN-filled buffers of those lengths, so a fresh gradient that is read
        // instead of overwritten shows up as NaN.
        float[] xs = [0.5f, -1.25f, 2f, 0.75f, -0.3f, 1.1f, 0.2f, -0.9f, 1.4f, -0.6f, 0.35f, 0.8f];
        float[] ws = [1.5f, 0.25f, -2f, 0.5f, 3f, -0.7f, 0.45f, -1.2f];
        float[] bs = [0.3f, -0.4f];
        using var x = Tensor.FromHost(_backend, xs, [3, 4], requiresGrad: true);
        using var w = Tensor.FromHost(_backend, ws, [2, 4], requiresGrad: true);
        using var b = Tensor.FromHost(_backend, bs, [2], requiresGrad: true);
        foreach (int length in new[] { 12, 8, 2 })
        {
            var poison = _backend.Allocate(length);
            _backend.Fill(poison, float.NaN);
            poison.Dispose();
        }
        using var tape = new Tape(_backend, recording: true);
        var s = tape.Add(tape.Linear(x, w, b), tape.Linear(x, w, b));
        tape.Backward(tape.Dot(s, s));

        // d loss / d (x W^T + b) = 2 * 2 * 2 (x W^T + b) = 8 y.
        var g = new double[3, 2];
        for (int r = 0; r < 3; r++)
        for (int o = 0; o < 2; o++)
        {
            double y = bs[o];
            for (int i = 0; i < 4; i++) y += (double)xs[r * 4 + i] * ws[o * 4 + i];
            g[r, o] = 8 * y;
        }
        var dx = x.GradToHost()!;
        var dw = w.GradToHost()!;
        var db = b.GradToHost()!;
        for (int r = 0; r < 3; r++)
        for (int i = 0; i < 4; i++)
            Assert.Equal(g[r, 0] * ws[i] + g[r, 1] * ws[4 + i], dx[r * 4 + i], 3);
        for (int o = 0; o < 2; o++)
        {
            for (int i = 0; i < 4; i++)
                Assert.Equal(g[0, o] * xs[i] + g[1, o] * xs[4 + i] + g[2, o] * xs[8 + i], dw[o * 4 + i], 3);
            Assert.Equal(g[0, o] + g[1, o] + g[2, o], db[o], 3);
        }
    }

    [Fact]
    public void InferenceRecordsNothingAndRejectsBackward()
    {
        using var x = Tensor.FromHost(_backend, [1f, 2f, 3f], [3], requiresGrad: true);
        using var tape = new Tape(_backend, recording: false);
        var loss = tape.Dot(x, x);
        Assert.Equal(14f, loss.ToHost()[0]);
        Assert.False(loss.RequiresGrad);
        Assert.Throws<TipsException>(() => tape.Backward(loss));
        Assert.Null(x.Grad);
    }

    [Fact]
    public void BackwardNeedsOneScalarAndRunsOnce()
    {
        using var x = Tensor.FromHost(_backend, [1f, 2f, 3f, 4f], [2, 2], requiresGrad: true);
        using var c = Tensor.FromHost(_backend, [1f, 2f, 3f, 4f], [2, 2]);
        using var tape = new Tape(_backend, recording: true);
        Assert.Throws<TipsException>(() => tape.Backward(tape.Add(x, x)));
        Assert.Throws<TipsException>(() => tape.Backward(tape.Dot(c, c)));
        var loss = tape.Dot(x, c);
        tape.Backward(loss);
        Assert.Throws<TipsException>(() => tape.Backward(loss));
        Assert.Equal([1f, 2f, 3f, 4f], x.GradToHost()!);
    }

    [Fact]
    public void ReleaseFreesOnlyTapeOwnedTensorsAndOnlyInInference()
    {
        using var p = Tensor.FromHost(_backend, [1f, 2f], [2], requiresGrad: true);
        using (var inference = new Tape(_backend, recording: false))
        {
            var y = inference.Add(p, p);
            inference.Release(y.Reshape(1, 2), p);
            Assert.Throws<ObjectDisposedException>(() => y.Data);
            Assert.Equal([1f, 2f], p.ToHost());
        }
        using var training = new Tape(_backend, recording: true);
        var z = training.Add(p, p);
        training.Release(z);
        Assert.Equal([2f, 4f], z.ToHost());
    }

    [Fact]
    public void ShapeErrorsAreTipsExceptions()
    {
        using var tape = new Tape(_backend, recording: false);
        var x = tape.Constant([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        Assert.Throws<TipsException>(() => tape.Linear(x, tape.Constant(new float[8], 2, 4), null));
        Assert.Throws<TipsException>(() => x.Reshape(4, 2));
        Assert.Throws<TipsException>(() => x.Range(1, 2));
        Assert.Throws<TipsException>(() => tape.Patchify(tape.Constant(new float[15 * 14 * 3], 1, 15, 14, 3), 14));
        Assert.Throws<TipsException>(() => tape.Constant(new float[5], 2, 3));
    }
}
