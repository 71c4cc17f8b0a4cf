using Tips.Tests.Reference;

namespace Tips.Tests.Kernels;

public abstract partial class OpTestsBase
{
    [Fact]
    public void Fill()
    {
        foreach (int n in Lengths)
        {
            using var x = Poisoned(n);
            Backend.Fill(x, -2.5f);
            Assert.All(Download(x), v => Assert.Equal(-2.5f, v));
        }
    }

    [Fact]
    public void Copy()
    {
        foreach (int n in Lengths)
        {
            var src = RandomFloats(n);
            using var s = Upload(src);
            using var d = Poisoned(n);
            Backend.Copy(s, d);
            Assert.Equal(src, Download(d));
        }
    }

    [Fact]
    public void Copy2DLeavesTheRestOfTheDestination()
    {
        foreach (var (rows, cols) in RowShapes)
        {
            int srcLd = cols + 3, dstLd = cols + 2;
            var src = RandomFloats(rows * srcLd);
            var dst = RandomFloats(rows * dstLd);
            using var s = Upload(src);
            using var d = Upload(dst);
            Backend.Copy2D(s, srcLd, d, dstLd, rows, cols);
            AssertClose($"Copy2D {rows}x{cols}", RefElementwise.Copy2D(D(src), srcLd, D(dst), dstLd, rows, cols), Download(d), 0, 0);
        }
    }

    [Fact]
    public void Axpy()
    {
        foreach (int n in Lengths)
        {
            var x = RandomFloats(n);
            var y = RandomFloats(n);
            using var xb = Upload(x);
            using var yb = Upload(y);
            Backend.Axpy(-0.75f, xb, yb);
            AssertClose($"Axpy {n}", RefElementwise.Axpy(-0.75, D(x), D(y)), Download(yb), 1e-7, 1e-6);
        }
    }

    [Fact]
    public void Scale()
    {
        foreach (int n in Lengths)
        {
            var x = RandomFloats(n);
            using var xb = Upload(x);
            Backend.Scale(xb, 1.375f);
            AssertClose($"Scale {n}", RefElementwise.Scale(D(x), 1.375), Download(xb), 0, 1e-7);
        }
    }

    [Fact]
    public void AddRowVector()
    {
        foreach (var (rows, cols) in RowShapes)
        {
            var x = RandomFloats(rows * cols);
            var v = RandomFloats(cols);
            using var xb = Upload(x);
            using var vb = Upload(v);
            Backend.AddRowVector(xb, vb, rows, cols, 0.5f);
            AssertClose($"AddRowVector {rows}x{cols}", RefElementwise.AddRowVector(D(x), D(v), rows, cols, 0.5), Download(xb), 1e-7, 1e-6);
        }
    }

    [Fact]
    public void RowScaleForward()
    {
        foreach (var (rows, cols) in RowShapes)
        {
            var x = RandomFloats(rows * cols);
            var s = RandomFloats(rows, 2f);
            var expected = RefElementwise.RowScaleForward(D(x), D(s), rows, cols);
            using var xb = Upload(x);
            using var sb = Upload(s);
            using var yb = Poisoned(rows * cols);
            Backend.RowScaleForward(xb, sb, yb, rows, cols);
            AssertClose($"RowScale {rows}x{cols}", expected, Download(yb), 0, 1e-6);
            Backend.RowScaleForward(xb, sb, xb, rows, cols);
            AssertClose($"RowScale in place {rows}x{cols}", expected, Download(xb), 0, 1e-6);
        }
    }

    [Fact]
    public void RowScaleBackward()
    {
        foreach (var (rows, cols) in RowShapes)
        {
            var x = RandomFloats(rows * cols);
            var s = RandomFloats(rows, 2f);
            var dy = RandomFloats(rows * cols);
            var dx0 = RandomFloats(rows * cols);
            var ds0 = RandomFloats(rows);
            var (dx, ds) = RefElementwise.RowScaleBackward(D(x), D(s), D(dy), rows, cols);
            using var xb = Upload(x);
            using var sb = Upload(s);
            using var dyb = Upload(dy);
            using var dxb = Upload(dx0);
            using var dsb = Upload(ds0);
            Backend.RowScaleBackward(xb, sb, dyb, dxb, dsb, rows, cols);
            AssertGradient($"RowScale dx {rows}x{cols}", dx, dx0, Download(dxb), 1e-6, 1e-5);
            AssertGradient($"RowScale ds {rows}x{cols}", ds, ds0, Download(dsb), 1e-5, 1e-5);
            using var dxOnly = Upload(dx0);
            Backend.RowScaleBackward(xb, sb, dyb, dxOnly, null, rows, cols);
            AssertGradient($"RowScale dx without ds {rows}x{cols}", dx, dx0, Download(dxOnly), 1e-6, 1e-5);
        }
    }

    [Fact]
    public void SumSquares()
    {
        foreach (int n in Lengths)
        {
            var x = RandomFloats(n, 3f);
            using var xb = Upload(x);
            using var r = Poisoned(1);
            Backend.SumSquares(xb, r);
            AssertClose($"SumSquares {n}", [RefElementwise.SumSquares(D(x))], Download(r), 0, 1e-5);
        }
    }
}
