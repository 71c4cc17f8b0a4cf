using Tips.Kernels;
using Tips.Tests.Reference;

namespace Tips.Tests.Kernels;

public abstract partial class OpTestsBase
{
    public static TheoryData<Activation> Activations => [Activation.None, Activation.Gelu, Activation.GeluTanh, Activation.Relu, Activation.Silu];

    private static RefActivations.Kind RefKind(Activation a) => a switch
    {
        Activation.Gelu => RefActivations.Kind.Gelu,
        Activation.GeluTanh => RefActivations.Kind.GeluTanh,
        Activation.Relu => RefActivations.Kind.Relu,
        Activation.Silu => RefActivations.Kind.Silu,
        _ => RefActivations.Kind.None,
    };

    [Theory]
    [MemberData(nameof(Activations))]
    public void ActivationForwardAndBackward(Activation kind)
    {
        var r = RefKind(kind);
        foreach (int n in Lengths)
        {
            // Range +-8 reaches GELU's far negative tail, where the erfc form keeps relative accuracy
            // (the tanh form cancels in 1 + tanh there, so it is held to an absolute bound).
            var x = RandomFloats(n, 8f);
            double atol = kind == Activation.Gelu ? 1e-30 : 1e-6;
            var expected = Array.ConvertAll(x, v => RefActivations.Forward(r, v));
            using var xb = Upload(x);
            using var yb = Poisoned(n);
            Backend.ActivationForward(kind, xb, yb);
            AssertClose($"{kind} y {n}", expected, Download(yb), atol, 1e-5);

            var dy = RandomFloats(n);
            var dx0 = RandomFloats(n);
            using var dyb = Upload(dy);
            using var dxb = Upload(dx0);
            Backend.ActivationBackward(kind, xb, dyb, dxb);
            var dx = x.Select((v, i) => RefActivations.Derivative(r, v) * dy[i]).ToArray();
            AssertGradient($"{kind} dx {n}", dx, dx0, Download(dxb), kind == Activation.GeluTanh ? 1e-6 : 1e-7, 1e-5);

            Backend.ActivationForward(kind, xb, xb);
            AssertClose($"{kind} in place {n}", expected, Download(xb), atol, 1e-5);
        }
    }

    [Fact]
    public void SwiGluForwardAndBackward()
    {
        foreach (var (rows, hidden) in RowShapes)
        {
            var x = RandomFloats(rows * 2 * hidden, 4f);
            using var xb = Upload(x);
            using var yb = Poisoned(rows * hidden);
            Backend.SwiGluForward(xb, yb, rows, hidden);
            string shape = $"{rows}x{hidden}";
            AssertClose($"SwiGLU y {shape}", RefActivations.SwiGluForward(D(x), rows, hidden), Download(yb), 1e-6, 1e-5);

            var dy = RandomFloats(rows * hidden);
            var dx0 = RandomFloats(rows * 2 * hidden);
            using var dyb = Upload(dy);
            using var dxb = Upload(dx0);
            Backend.SwiGluBackward(xb, dyb, dxb, rows, hidden);
            AssertGradient($"SwiGLU dx {shape}", RefActivations.SwiGluBackward(D(x), D(dy), rows, hidden), dx0, Download(dxb), 1e-6, 1e-5);
        }
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void ScaledResidualForwardAndBackward(bool withGamma, bool withDgamma)
    {
        foreach (var (rows, cols) in RowShapes)
        {
            var x = RandomFloats(rows * cols);
            var res = RandomFloats(rows * cols);
            var gamma = withGamma ? RandomFloats(cols) : null;
            using var xb = Upload(x);
            using var rb = Upload(res);
            using var gb = gamma is null ? null : Upload(gamma);
            Backend.ScaledResidualForward(xb, rb, gb, rows, cols);
            string shape = $"{rows}x{cols}";
            AssertClose($"ScaledResidual {shape}", RefResidual.Forward(D(x), D(res), gamma is null ? null : D(gamma), rows, cols), Download(xb), 1e-7, 1e-6);

            var dy = RandomFloats(rows * cols);
            var dr0 = RandomFloats(rows * cols);
            var dg0 = RandomFloats(cols);
            var (dres, dgamma) = RefResidual.Backward(D(dy), D(res), gamma is null ? null : D(gamma), rows, cols);
            using var dyb = Upload(dy);
            using var drb = Upload(dr0);
            using var dgb = withDgamma ? Upload(dg0) : null;
            Backend.ScaledResidualBackward(dyb, rb, gb, drb, dgb, rows, cols);
            AssertGradient($"ScaledResidual dresidual {shape}", dres, dr0, Download(drb), 1e-7, 1e-5);
            if (dgb is not null) AssertGradient($"ScaledResidual dgamma {shape}", dgamma, dg0, Download(dgb), 1e-5, 1e-4);
        }
    }
}
