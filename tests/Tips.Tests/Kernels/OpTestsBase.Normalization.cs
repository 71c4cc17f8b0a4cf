using Tips.Tests.Reference;

namespace Tips.Tests.Kernels;

public abstract partial class OpTestsBase
{
    [Fact]
    public void LayerNormForward()
    {
        foreach (var (rows, cols) in RowShapes)
        {
            // An offset mean checks the variance is not computed as E[x^2] - E[x]^2.
            var x = RandomFloats(rows * cols, 2f, 3f);
            var gamma = RandomFloats(cols);
            var beta = RandomFloats(cols);
            var (y, mean, rstd) = RefLayerNorm.Forward(D(x), D(gamma), D(beta), rows, cols, 1e-6);
            using var xb = Upload(x);
            using var gb = Upload(gamma);
            using var bb = Upload(beta);
            using var yb = Poisoned(rows * cols);
            using var mb = Poisoned(rows);
            using var rb = Poisoned(rows);
            Backend.LayerNormForward(xb, gb, bb, yb, mb, rb, rows, cols, 1e-6f);
            string shape = $"{rows}x{cols}";
            AssertClose($"LayerNorm y {shape}", y, Download(yb), 2e-5, 1e-4);
            AssertClose($"LayerNorm mean {shape}", mean, Download(mb), 1e-6, 1e-6);
            AssertClose($"LayerNorm rstd {shape}", rstd, Download(rb), 0, 1e-4);
            using var y2 = Poisoned(rows * cols);
            Backend.LayerNormForward(xb, gb, bb, y2, null, null, rows, cols, 1e-6f);
            AssertClose($"LayerNorm y without saved stats {shape}", y, Download(y2), 2e-5, 1e-4);
        }
    }

    [Fact]
    public void LayerNormBackward()
    {
        foreach (var (rows, cols) in RowShapes)
        {
            var x = RandomFloats(rows * cols, 2f, 1f);
            var gamma = RandomFloats(cols);
            var dy = RandomFloats(rows * cols);
            var (dx, dgamma, dbeta) = RefLayerNorm.Backward(D(dy), D(x), D(gamma), rows, cols, 1e-5);
            using var xb = Upload(x);
            using var gb = Upload(gamma);
            using var bb = Upload(RandomFloats(cols));
            using var yb = Backend.Allocate(rows * cols);
            using var mb = Backend.Allocate(rows);
            using var rb = Backend.Allocate(rows);
            Backend.LayerNormForward(xb, gb, bb, yb, mb, rb, rows, cols, 1e-5f);
            var dx0 = RandomFloats(rows * cols);
            var dg0 = RandomFloats(cols);
            var db0 = RandomFloats(cols);
            using var dyb = Upload(dy);
            using var dxb = Upload(dx0);
            using var dgb = Upload(dg0);
            using var dbb = Upload(db0);
            Backend.LayerNormBackward(dyb, xb, gb, mb, rb, dxb, dgb, dbb, rows, cols);
            string shape = $"{rows}x{cols}";
            AssertGradient($"LayerNorm dx {shape}", dx, dx0, Download(dxb), 2e-5, 2e-4);
            AssertGradient($"LayerNorm dgamma {shape}", dgamma, dg0, Download(dgb), 1e-4, 1e-4);
            AssertGradient($"LayerNorm dbeta {shape}", dbeta, db0, Download(dbb), 1e-4, 1e-4);
        }
    }

    [Fact]
    public void L2NormalizeForwardAndBackward()
    {
        const float eps = 1e-3f;
        foreach (var (rows, cols) in RowShapes)
        {
            var x = RandomFloats(rows * cols);
            // The last row below eps exercises the clamped denominator.
            for (int c = 0; c < cols; c++) x[(rows - 1) * cols + c] *= 1e-5f;
            var (y, norms) = RefL2Normalize.Forward(D(x), rows, cols, eps);
            using var xb = Upload(x);
            using var yb = Poisoned(rows * cols);
            using var nb = Poisoned(rows);
            Backend.L2NormalizeForward(xb, yb, nb, rows, cols, eps);
            string shape = $"{rows}x{cols}";
            AssertClose($"L2Normalize y {shape}", y, Download(yb), 1e-6, 1e-5);
            AssertClose($"L2Normalize norms {shape}", norms, Download(nb), 1e-9, 1e-5);
            using var y2 = Poisoned(rows * cols);
            Backend.L2NormalizeForward(xb, y2, null, rows, cols, eps);
            AssertClose($"L2Normalize y without norms {shape}", y, Download(y2), 1e-6, 1e-5);

            var dy = RandomFloats(rows * cols);
            var dx0 = RandomFloats(rows * cols);
            using var dyb = Upload(dy);
            using var dxb = Upload(dx0);
            Backend.L2NormalizeBackward(yb, nb, dyb, dxb, rows, cols, eps);
            AssertGradient($"L2Normalize dx {shape}", RefL2Normalize.Backward(D(x), D(dy), rows, cols, eps), dx0, Download(dxb), 1e-5, 1e-4);
        }
    }

    [Fact]
    public void SoftmaxForwardAndBackward()
    {
        foreach (float scale in new[] { 1.3f, -0.5f })
            foreach (var (rows, cols) in RowShapes)
            {
                var x = RandomFloats(rows * cols, 4f);
                using var xb = Upload(x);
                using var yb = Poisoned(rows * cols);
                Backend.SoftmaxForward(xb, yb, rows, cols, scale);
                string shape = $"{rows}x{cols} scale {scale}";
                AssertClose($"Softmax y {shape}", RefSoftmax.Forward(D(x), rows, cols, scale), Download(yb), 1e-7, 1e-5);

                var dy = RandomFloats(rows * cols);
                var dx0 = RandomFloats(rows * cols);
                using var dyb = Upload(dy);
                using var dxb = Upload(dx0);
                Backend.SoftmaxBackward(yb, dyb, dxb, rows, cols, scale);
                AssertGradient($"Softmax dx {shape}", RefSoftmax.Backward(D(x), D(dy), rows, cols, scale), dx0, Download(dxb), 1e-6, 1e-4);
            }
    }
}
