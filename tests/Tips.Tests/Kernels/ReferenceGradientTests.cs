using Tips.Tests.Reference;

namespace Tips.Tests.Kernels;

/// <summary>
/// Every float64 backward reference against central finite differences of sum(forward(x) * dout) for a random dout,
/// at small shapes, so the references that judge the kernels are themselves checked.
/// </summary>
public class ReferenceGradientTests
{
    private readonly Random _rng = new(1234);

    private double[] Rand(int n, double scale = 1)
    {
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = scale * (2 * _rng.NextDouble() - 1);
        return a;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>Asserts analytic == d/dx sum(forward(x) * dout) elementwise (central differences, step h).</summary>
    private static void Check(string what, Func<double[], double[]> forward, double[] x, double[] dout, double[] analytic, double h = 1e-6, double tol = 1e-6)
    {
        Assert.Equal(x.Length, analytic.Length);
        for (int i = 0; i < x.Length; i++)
        {
            var xp = (double[])x.Clone();
            var xm = (double[])x.Clone();
            xp[i] += h;
            xm[i] -= h;
            double fd = (Dot(forward(xp), dout) - Dot(forward(xm), dout)) / (2 * h);
            Assert.True(Math.Abs(fd - analytic[i]) <= tol * (1 + Math.Abs(fd)),
                $"{what}[{i}]: analytic {analytic[i]:R}, finite difference {fd:R}");
        }
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(-0.5, 1.5204998778130465)]
    [InlineData(1.7, 0.016209541409225436)]
    [InlineData(2.9, 4.109787809945886e-05)]
    [InlineData(3.0, 2.2090496998585438e-05)]
    [InlineData(3.1, 1.1648657367199589e-05)]
    [InlineData(4.5, 1.9661604415428873e-10)]
    [InlineData(6.0, 2.1519736712498916e-17)]
    [InlineData(-2.0, 1.9953222650189528)]
    [InlineData(1.99, 0.004888586800383003)]
    [InlineData(2.0, 0.004677734981047266)]
    public void ErfcMatchesKnownValues(double x, double expected) =>
        Assert.True(Math.Abs(RefActivations.Erfc(x) - expected) <= 1e-12 * expected + 1e-16, $"erfc({x}) = {RefActivations.Erfc(x):R}");

    [Fact]
    public void RowScale()
    {
        int rows = 3, cols = 4;
        var x = Rand(rows * cols);
        var s = Rand(rows);
        var dy = Rand(rows * cols);
        var (dx, ds) = RefElementwise.RowScaleBackward(x, s, dy, rows, cols);
        Check("dx", v => RefElementwise.RowScaleForward(v, s, rows, cols), x, dy, dx);
        Check("ds", v => RefElementwise.RowScaleForward(x, v, rows, cols), s, dy, ds);
    }

    [Fact]
    public void LayerNorm()
    {
        int rows = 3, cols = 5;
        var x = Rand(rows * cols, 2);
        var gamma = Rand(cols);
        var beta = Rand(cols);
        var dy = Rand(rows * cols);
        var (dx, dgamma, dbeta) = RefLayerNorm.Backward(dy, x, gamma, rows, cols, 1e-5);
        Check("dx", v => RefLayerNorm.Forward(v, gamma, beta, rows, cols, 1e-5).Y, x, dy, dx);
        Check("dgamma", v => RefLayerNorm.Forward(x, v, beta, rows, cols, 1e-5).Y, gamma, dy, dgamma);
        Check("dbeta", v => RefLayerNorm.Forward(x, gamma, v, rows, cols, 1e-5).Y, beta, dy, dbeta);
    }

    [Fact]
    public void L2NormalizeIncludingAClampedRow()
    {
        int rows = 3, cols = 4;
        const double eps = 1e-3;
        var x = Rand(rows * cols);
        for (int c = 0; c < cols; c++) x[2 * cols + c] *= 1e-4; // |x| < eps: the clamped branch
        var dy = Rand(rows * cols);
        Check("dx", v => RefL2Normalize.Forward(v, rows, cols, eps).Y, x, dy, RefL2Normalize.Backward(x, dy, rows, cols, eps), h: 1e-8);
    }

    [Fact]
    public void Softmax()
    {
        int rows = 2, cols = 5;
        var x = Rand(rows * cols, 2);
        var dy = Rand(rows * cols);
        Check("dx", v => RefSoftmax.Forward(v, rows, cols, 1.7), x, dy, RefSoftmax.Backward(x, dy, rows, cols, 1.7));
    }

    [Fact]
    public void SoftCrossEntropy()
    {
        int rows = 3, cols = 6;
        var logits = Rand(rows * cols, 2);
        var targets = Rand(rows * cols).Select(Math.Abs).ToArray();
        var dloss = Rand(rows);
        Check("dlogits", v => RefLosses.SoftCrossEntropyForward(v, targets, rows, cols, 3.0), logits, dloss,
            RefLosses.SoftCrossEntropyBackward(logits, targets, dloss, rows, cols, 3.0));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MaskedPatchLoss(bool allPositions)
    {
        int batch = 3, tokens = 4, k = 5;
        var student = Rand(batch * tokens * k);
        var teacher = Rand(batch * tokens * k);
        var center = Rand(k, 0.3);
        // image 0: two masked patches, image 1: none, image 2: all.
        double[] mask = [1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1];
        const double dloss = 0.7;
        var analytic = RefLosses.MaskedPatchLossBackward(student, teacher, center, mask, dloss, batch, tokens, k, 0.1, 0.04, allPositions);
        Check("dstudent", v => [RefLosses.MaskedPatchLossForward(v, teacher, center, mask, batch, tokens, k, 0.1, 0.04, allPositions)],
            student, [dloss], analytic, h: 1e-7, tol: 1e-5);
    }

    [Theory]
    [InlineData(RefActivations.Kind.Gelu)]
    [InlineData(RefActivations.Kind.GeluTanh)]
    [InlineData(RefActivations.Kind.Relu)]
    [InlineData(RefActivations.Kind.Silu)]
    [InlineData(RefActivations.Kind.None)]
    public void Activation(RefActivations.Kind kind)
    {
        var x = Rand(40, 5);
        var dy = Rand(40);
        var dx = x.Select((v, i) => RefActivations.Derivative(kind, v) * dy[i]).ToArray();
        Check(kind.ToString(), v => v.Select(a => RefActivations.Forward(kind, a)).ToArray(), x, dy, dx);
    }

    [Fact]
    public void SwiGlu()
    {
        int rows = 2, hidden = 3;
        var x = Rand(rows * 2 * hidden, 3);
        var dy = Rand(rows * hidden);
        Check("dx", v => RefActivations.SwiGluForward(v, rows, hidden), x, dy, RefActivations.SwiGluBackward(x, dy, rows, hidden));
    }

    [Fact]
    public void ScaledResidual()
    {
        int rows = 3, cols = 4;
        var x = Rand(rows * cols);
        var res = Rand(rows * cols);
        var gamma = Rand(cols);
        var dy = Rand(rows * cols);
        var (dres, dgamma) = RefResidual.Backward(dy, res, gamma, rows, cols);
        Check("dresidual", v => RefResidual.Forward(x, v, gamma, rows, cols), res, dy, dres);
        Check("dgamma", v => RefResidual.Forward(x, res, v, rows, cols), gamma, dy, dgamma);
        Check("dresidual (no gamma)", v => RefResidual.Forward(x, v, null, rows, cols), res, dy, RefResidual.Backward(dy, res, null, rows, cols).Dresidual);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Attention(bool masked)
    {
        int batch = 2, n = 4, h = 2, dh = 3;
        var qkv = Rand(batch * n * 3 * h * dh, 1.5);
        var dout = Rand(batch * n * h * dh);
        // batch 0 keeps keys 0 and 2; batch 1 has no valid key (zeros out, zero gradient).
        double[]? mask = masked ? [1, 0, 1, 0, 0, 0, 0, 0] : null;
        Check("dqkv", v => RefAttention.Forward(v, batch, n, h, dh, 0.6, mask).Out, qkv, dout,
            RefAttention.Backward(qkv, dout, batch, n, h, dh, 0.6, mask));
    }

    [Fact]
    public void EmbeddingWithRepeatedIds()
    {
        int vocab = 5, dim = 3;
        int[] ids = [4, 1, 4, 0];
        var table = Rand(vocab * dim);
        var dy = Rand(ids.Length * dim);
        Check("dtable", v => RefEmbedding.Forward(v, ids, dim, 1.5), table, dy, RefEmbedding.Backward(dy, ids, vocab, dim, 1.5));
    }

    [Fact]
    public void Patchify()
    {
        int batch = 2, height = 4, width = 6, p = 2;
        var image = Rand(batch * height * width * 3);
        var dp = Rand(batch * (height / p) * (width / p) * 3 * p * p);
        Check("dimage", v => RefPatchify.Forward(v, batch, height, width, p), image, dp, RefPatchify.Backward(dp, batch, height, width, p));
    }

    [Theory]
    [InlineData(7, 5, 3, 4)]
    [InlineData(3, 4, 7, 9)]
    public void Resize(int inH, int inW, int outH, int outW)
    {
        int batch = 2, channels = 2;
        var x = Rand(batch * inH * inW * channels);
        var dy = Rand(batch * outH * outW * channels);
        Check("dx", v => RefResize.Forward(v, batch, inH, inW, outH, outW, channels), x, dy,
            RefResize.Backward(dy, batch, inH, inW, outH, outW, channels));
    }

    [Fact]
    public void ResizeRowsSumToOneAndUpsamplingIsPlainBilinear()
    {
        var down = RefResize.AxisMatrix(32, 13);
        for (int i = 0; i < 13; i++)
        {
            double sum = 0;
            for (int j = 0; j < 32; j++) sum += down[i, j];
            Assert.Equal(1.0, sum, 12);
        }
        // Upsampling 4 -> 6 (scale 2/3): output 1 sits at source coordinate (1 + 0.5) * 2/3 - 0.5 = 0.5.
        var up = RefResize.AxisMatrix(4, 6);
        Assert.Equal(0.5, up[1, 0], 12);
        Assert.Equal(0.5, up[1, 1], 12);
        // Output 0 sits at -1/6: clamped to source 0 (align_corners=False).
        Assert.Equal(1.0, up[0, 0], 12);
    }
}
