using Tips.Kernels;
using Tips.Model.Checkpoints;
using Tips.Model.Nn;
using Tips.Model.Tensors;
using Tips.Tests.Model;
using Tips.Tests.Reference;
using Tips.Train.Heads;
using Tips.Train.Losses;
using Xunit.Abstractions;

namespace Tips.Tests.Train;

/// <summary>
/// The training losses and the DINO head on cpu against ../shared/fixtures/losses.npz (float64 reference modules:
/// values rel L2 &lt;= 1e-4, gradients &lt;= 1e-3), against float64 references, and against values worked by hand.
/// </summary>
public sealed class LossFixtureTests(ITestOutputHelper output) : IDisposable
{
    private const double ValueTolerance = 1e-4;
    private const double GradientTolerance = 1e-3;
    private static readonly Lazy<StateDict> LossesNpz = new(() => StateDict.LoadNpz(Path.Combine(Paths.Fixtures, "losses.npz")));
    private readonly IBackend _backend = Backends.Create("cpu");

    private static StateDict F => LossesNpz.Value;

    public void Dispose() => _backend.Dispose();

    private static double[] D(string key) => Array.ConvertAll(F[key].Floats, v => (double)v);

    private void Check(string name, float[] expected, float[] actual, double tolerance) =>
        output.WriteLine($"{name}: rel L2 {Parity.Check(name, expected, actual, tolerance):E2}");

    private static float Scalar(string key) => F[key].ScalarValue;

    [Fact]
    public void ClipLossMatchesFixture()
    {
        int[] shape = F["clip/image"].Shape;
        using var image = Tensor.FromHost(_backend, F["clip/image"].Floats, shape, requiresGrad: true);
        using var text = Tensor.FromHost(_backend, F["clip/text"].Floats, shape, requiresGrad: true);
        using var logInvTau = Tensor.FromHost(_backend, [Scalar("clip/log_inv_tau")], [], requiresGrad: true);
        using var tape = new Tape(_backend, recording: true);
        var loss = ClipLoss.Compute(tape, image, text, logInvTau);
        tape.Backward(loss);

        double reference = RefTrainLosses.Clip(D("clip/image"), D("clip/text"), shape[0], shape[1], Scalar("clip/log_inv_tau"));
        Check("clip/loss (float64 reference)", [Scalar("clip/loss")], [(float)reference], 1e-6);
        Check("clip/loss", [Scalar("clip/loss")], loss.ToHost(), ValueTolerance);
        Check("clip/d_image", F["clip/d_image"].Floats, image.GradToHost()!, GradientTolerance);
        Check("clip/d_text", F["clip/d_text"].Floats, text.GradToHost()!, GradientTolerance);
        Check("clip/d_log_inv_tau", [Scalar("clip/d_log_inv_tau")], logInvTau.GradToHost()!, GradientTolerance);
    }

    [Fact]
    public void ClipLossMatchesHandWorkedPair()
    {
        // image rows (2, 0), (0, 3) and text rows (1, 0), (0, 5) normalise to the identity, log(1/tau) = 0:
        // logits = I, each row/column CE = log(e + 1) - 1 = log(1 + 1/e) = 0.313261687518;
        // d/dl of log(e^s + 1) - s at s = e^l = 1 is e/(e + 1) - 1 = -1/(1 + e) = -0.268941421370.
        using var image = Tensor.FromHost(_backend, [2f, 0f, 0f, 3f], [2, 2], requiresGrad: true);
        using var text = Tensor.FromHost(_backend, [1f, 0f, 0f, 5f], [2, 2], requiresGrad: true);
        using var logInvTau = Tensor.FromHost(_backend, [0f], [], requiresGrad: true);
        using var tape = new Tape(_backend, recording: true);
        var loss = ClipLoss.Compute(tape, image, text, logInvTau);
        tape.Backward(loss);
        Assert.Equal(0.313261687518, loss.ToHost()[0], 6);
        Assert.Equal(-0.268941421370, logInvTau.GradToHost()![0], 6);
    }

    [Fact]
    public void DinoHeadMatchesFixture()
    {
        var state = new StateDict("losses.npz head");
        foreach (var key in F.Keys.Where(k => k.StartsWith("head/param/", StringComparison.Ordinal)))
            state.Add(key["head/param/".Length..], F[key]);
        using var head = StateDictBinding.Load(_backend, state, vb => new DinoHead(vb, 12, 20, 8, 32));
        int rows = F["head/input"].Shape[0];
        using var input = Tensor.FromHost(_backend, F["head/input"].Floats, [rows, 12], requiresGrad: true);
        using var tape = new Tape(_backend, recording: true);
        var y = head.Forward(tape, input);
        tape.Backward(tape.Dot(y, tape.Constant(F["head/r"].Floats, rows, 32)));

        var reference = RefTrainLosses.Head(k => D("head/param/" + k), D("head/input"), rows, 12, 20, 8, 32);
        Check("head/output (float64 reference)", F["head/output"].Floats, Array.ConvertAll(reference, v => (float)v), 1e-6);
        Check("head/output", F["head/output"].Floats, y.ToHost(), ValueTolerance);
        Check("head/d_input", F["head/d_input"].Floats, input.GradToHost()!, GradientTolerance);
        foreach (var (key, p) in head.Parameters.Items)
        {
            if (key == "last_layer.weight_g")
            {
                Assert.Null(p.Grad);
                continue;
            }
            Check($"head/grad/{key}", F[$"head/grad/{key}"].Floats, p.GradToHost()!, GradientTolerance);
        }
    }

    [Fact]
    public void DinoLossMatchesFixtureOverTwoSteps()
    {
        int k = F["dino/center0"].Shape[1];
        using var dino = new DinoLoss(_backend, k);
        _backend.Upload<float>(F["dino/center0"].Floats, dino.Center.Data);
        var center = D("dino/center0");
        for (int step = 0; step < 2; step++)
        {
            string s = $"dino/step{step}/";
            int[] shape = F[s + "students"].Shape;
            float tauT = Scalar(s + "teacher_temp");
            using var students = Tensor.FromHost(_backend, F[s + "students"].Floats, shape, requiresGrad: true);
            using var tape = new Tape(_backend, recording: true);
            var teacher = tape.Constant(F[s + "teacher"].Floats, shape[1], k);
            var targets = dino.Targets(tape, teacher, tauT);
            var loss = dino.Compute(tape, students, targets);
            tape.Backward(loss);
            dino.UpdateCenter(teacher);

            double reference = RefTrainLosses.Dino(D(s + "students"), D(s + "teacher"), center, shape[0], shape[1], k, 0.1, tauT);
            center = RefLosses.CenterUpdate(D(s + "teacher"), center, shape[1], k, 0.9);
            Check(s + "loss (float64 reference)", [Scalar(s + "loss")], [(float)reference], 1e-6);
            Check(s + "targets", F[s + "targets"].Floats, targets.ToHost(), ValueTolerance);
            Check(s + "loss", [Scalar(s + "loss")], loss.ToHost(), ValueTolerance);
            Check(s + "d_students", F[s + "d_students"].Floats, students.GradToHost()!, GradientTolerance);
        }
        Check("dino/center_after (float64 reference)", F["dino/center_after"].Floats, Array.ConvertAll(center, v => (float)v), 1e-6);
        Check("dino/center_after", F["dino/center_after"].Floats, dino.Center.ToHost(), ValueTolerance);
    }

    [Fact]
    public void DinoLossMatchesHandWorkedPair()
    {
        // Teacher (0, ln 3), center 0, tau_t 1: targets (1/4, 3/4). Student (0, 0): log_softmax = (-ln 2, -ln 2),
        // so CE = ln 2 = 0.693147 for either crop. Center after: 0.1 * (0, ln 3) = (0, 0.109861).
        using var dino = new DinoLoss(_backend, 2);
        using var students = Tensor.FromHost(_backend, [0f, 0f, 0f, 0f], [2, 1, 2], requiresGrad: true);
        using var tape = new Tape(_backend, recording: true);
        var teacher = tape.Constant([0f, MathF.Log(3f)], 1, 2);
        var targets = dino.Targets(tape, teacher, 1f);
        var loss = dino.Compute(tape, students, targets);
        dino.UpdateCenter(teacher);
        Assert.Equal([0.25f, 0.75f], targets.ToHost().Select(v => MathF.Round(v, 6)));
        Assert.Equal(0.693147, loss.ToHost()[0], 5);
        Assert.Equal(0.109861, dino.Center.ToHost()[1], 5);
        Assert.Equal(0f, dino.Center.ToHost()[0]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IbotLossMatchesFixture(bool allPositions)
    {
        int[] shape = F["ibot/student"].Shape;
        int k = shape[2];
        float tauT = Scalar("ibot/teacher_temp");
        var mask = Array.ConvertAll(F["ibot/masks"].Ints, v => (float)v);
        Assert.Contains(mask.Chunk(shape[1]), m => m.All(v => v == 0f)); // the fixture has an image without masked patches
        using var ibot = new IbotLoss(_backend, k);
        _backend.Upload<float>(F["ibot/center0"].Floats, ibot.Center.Data);
        using var student = Tensor.FromHost(_backend, F["ibot/student"].Floats, shape, requiresGrad: true);
        using var tape = new Tape(_backend, recording: true);
        var teacher = tape.Constant(F["ibot/teacher"].Floats, shape);
        var targets = ibot.Targets(tape, teacher, tauT);
        var loss = ibot.Compute(tape, student, teacher, tape.Constant(mask, shape[0], shape[1]), tauT, allPositions);
        tape.Backward(loss);
        ibot.UpdateCenter(teacher);

        string suffix = allPositions ? "_all_positions" : "";
        double reference = RefLosses.MaskedPatchLossForward(D("ibot/student"), D("ibot/teacher"), D("ibot/center0"),
            Array.ConvertAll(mask, v => (double)v), shape[0], shape[1], k, 0.1, tauT, allPositions);
        Check("ibot/loss" + suffix + " (float64 reference)", [Scalar("ibot/loss" + suffix)], [(float)reference], 1e-6);
        Check("ibot/targets", F["ibot/targets"].Floats, targets.ToHost(), ValueTolerance);
        Check("ibot/loss" + suffix, [Scalar("ibot/loss" + suffix)], loss.ToHost(), ValueTolerance);
        Check("ibot/d_student" + suffix, F["ibot/d_student" + suffix].Floats, student.GradToHost()!, GradientTolerance);
        Check("ibot/center_after", F["ibot/center_after"].Floats, ibot.Center.ToHost(), ValueTolerance);
    }

    [Fact]
    public void IbotLossMatchesHandWorkedBatch()
    {
        // Two images of two patches, K = 2, student logits 0 (CE = ln 2 wherever counted). Image 0 masks patch 0,
        // image 1 masks nothing (contributes 0 but counts): loss = (ln 2 + 0) / 2 = 0.346574; iBOT++ = ln 2.
        using var ibot = new IbotLoss(_backend, 2);
        using var tape = new Tape(_backend, recording: false);
        var student = tape.Constant(new float[8], 2, 2, 2);
        var teacher = tape.Constant([1f, 2f, 0.5f, -1f, 3f, 0f, 2f, 2f], 2, 2, 2);
        var mask = tape.Constant([1f, 0f, 0f, 0f], 2, 2);
        Assert.Equal(0.346574, ibot.Compute(tape, student, teacher, mask, 0.04f, false).ToHost()[0], 5);
        Assert.Equal(0.693147, ibot.Compute(tape, student, teacher, mask, 0.04f, true).ToHost()[0], 5);
    }
}
