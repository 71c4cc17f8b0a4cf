using Tips.Kernels;

namespace Tips.Tests.Kernels;

public abstract partial class IlgpuKernelTests
{
    [Fact]
    public void DataMovement()
    {
        var x = Rand(37, 1);
        using var xb = Up(x);
        using var y = Poisoned(37);
        B.Copy(xb, y);
        Close(Down(y), D(x), 0, 0, "Copy");

        B.Fill(y, 2.5f);
        Close(Down(y), Enumerable.Repeat(2.5, 37).ToArray(), 0, 0, "Fill");

        var yv = Rand(37, 2);
        B.Upload<float>(yv, y);
        B.Axpy(-0.5f, xb, y);
        Close(Down(y), yv.Select((v, i) => v - 0.5 * x[i]).ToArray(), 1e-6, 1e-6, "Axpy");

        B.Upload<float>(yv, y);
        B.Scale(y, 3f);
        Close(Down(y), yv.Select(v => 3.0 * v).ToArray(), 1e-6, 1e-6, "Scale");

        // Copy2D of a 3 x 5 block between leading dimensions 7 and 6; the gaps keep their poison.
        var src = Rand(3 * 7, 3);
        using var sb = Up(src);
        using var db = Poisoned(3 * 6);
        B.Copy2D(sb, 7, db, 6, 3, 5);
        var got = Down(db);
        for (int r = 0; r < 3; r++)
        {
            for (int c = 0; c < 5; c++) Assert.Equal(src[r * 7 + c], got[r * 6 + c]);
            Assert.True(float.IsNaN(got[r * 6 + 5]));
        }
    }

    [Fact]
    public void SliceIsAView()
    {
        using var whole = Poisoned(10);
        var part = whole.Slice(3, 4);
        B.Fill(part, 1f);
        var got = Down(whole);
        for (int i = 0; i < 10; i++) Assert.Equal(i is >= 3 and < 7, !float.IsNaN(got[i]));
        Assert.Equal(4, part.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => whole.Slice(8, 4));
    }

    [Fact]
    public void PoolReusesFreedBuffers()
    {
        var first = B.Allocate(123);
        first.Dispose();
        long held = B.BytesAllocated;
        using var second = B.Allocate(123);
        Assert.Equal(held, B.BytesAllocated);
        using var third = B.Allocate(123);
        Assert.Equal(held + 123 * sizeof(float), B.BytesAllocated);
    }

    [Fact]
    public void ForeignBufferIsRejected()
    {
        using var cpu = new CpuBackend();
        using var foreign = cpu.Allocate(4);
        var e = Assert.Throws<BackendException>(() => B.Fill(foreign, 0f));
        Assert.Contains("cpu", e.Message);
        using var small = B.Allocate(5);
        Assert.Throws<BackendException>(() => B.SwiGluForward(small, small, 2, 2));
    }

    [Fact]
    public void RowOps()
    {
        const int rows = 5, cols = 7;
        var x = Rand(rows * cols, 4);
        var v = Rand(cols, 5);
        var s = Rand(rows, 6);
        using var xb = Up(x);
        B.AddRowVector(xb, Up(v), rows, cols, 0.5f);
        Close(Down(xb), x.Select((a, i) => a + 0.5 * v[i % cols]).ToArray(), 1e-6, 1e-6, "AddRowVector");

        B.Upload<float>(x, xb);
        using var y = Poisoned(rows * cols);
        B.RowScaleForward(xb, Up(s), y, rows, cols);
        Close(Down(y), x.Select((a, i) => (double)s[i / cols] * a).ToArray(), 1e-6, 1e-6, "RowScaleForward");

        var dy = Rand(rows * cols, 7);
        var dx0 = Rand(rows * cols, 8);
        var ds0 = Rand(rows, 9);
        using var dxb = Up(dx0);
        using var dsb = Up(ds0);
        B.RowScaleBackward(xb, Up(s), Up(dy), dxb, dsb, rows, cols);
        Close(Added(Down(dxb), dx0), dy.Select((g, i) => (double)s[i / cols] * g).ToArray(), 1e-6, 1e-5, "RowScale dx");
        var ds = new double[rows];
        for (int i = 0; i < rows * cols; i++) ds[i / cols] += (double)dy[i] * x[i];
        Close(Added(Down(dsb), ds0), ds, 1e-5, 1e-5, "RowScale ds");
    }

    [Fact]
    public void SumRowsAndBroadcast()
    {
        const int batch = 2, rows = 5, cols = 6;
        var x = Rand(batch * rows * cols, 10);
        var sum = new double[batch * cols];
        for (int b = 0; b < batch; b++)
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) sum[b * cols + c] += x[(b * rows + r) * cols + c];
        using var xb = Up(x);
        using var y = Poisoned(batch * cols);
        B.SumRows(xb, y, batch, rows, cols, 2f, 0f);
        Close(Down(y), sum.Select(v => 2 * v).ToArray(), 1e-5, 1e-5, "SumRows beta 0");
        var y0 = Rand(batch * cols, 11);
        B.Upload<float>(y0, y);
        B.SumRows(xb, y, batch, rows, cols, 1f, 0.5f);
        Close(Down(y), sum.Select((v, i) => v + 0.5 * y0[i]).ToArray(), 1e-5, 1e-5, "SumRows beta 0.5");

        var dy = Rand(batch * cols, 12);
        var dx0 = Rand(batch * rows * cols, 13);
        using var dxb = Up(dx0);
        B.BroadcastRows(Up(dy), dxb, batch, rows, cols, -1.5f);
        var want = new double[dx0.Length];
        for (int i = 0; i < want.Length; i++) want[i] = -1.5 * dy[i / (rows * cols) * cols + i % cols];
        Close(Added(Down(dxb), dx0), want, 1e-6, 1e-5, "BroadcastRows");

        using var sq = Poisoned(3);
        B.SumSquares(xb, sq);
        Assert.Equal(x.Sum(v => (double)v * v), Down(sq)[0], 4);
    }

    public static TheoryData<Activation> Activations => new() { Activation.None, Activation.Gelu, Activation.GeluTanh, Activation.Relu, Activation.Silu };

    private static double RefForward(Activation kind, double x) => kind switch
    {
        Activation.Gelu => 0.5 * x * (1 + Erf(x / Math.Sqrt(2))),
        Activation.GeluTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        Activation.Relu => Math.Max(x, 0),
        Activation.Silu => x / (1 + Math.Exp(-x)),
        _ => x,
    };

    /// <summary>Abramowitz-Stegun 7.1.26 is too coarse; this is erf by its Taylor series (|x| &lt;= 4 here).</summary>
    private static double Erf(double x)
    {
        double sum = 0, term = x;
        for (int n = 0; n < 200; n++)
        {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    [Theory]
    [MemberData(nameof(Activations))]
    public void ActivationForwardBackward(Activation kind)
    {
        var x = Rand(29, 14, -4f, 4f);
        x[0] = 0.3f;
        using var xb = Up(x);
        using var y = Poisoned(29);
        B.ActivationForward(kind, xb, y);
        Close(Down(y), x.Select(v => RefForward(kind, v)).ToArray(), 1e-6, 1e-5, $"{kind} forward");

        var dy = Rand(29, 15);
        var dx0 = Rand(29, 16);
        using var dxb = Up(dx0);
        B.ActivationBackward(kind, xb, Up(dy), dxb);
        const double h = 1e-5;
        // Central differences of the float64 reference; relu's kink is avoided by the data (no exact zeros).
        var want = x.Select((v, i) => dy[i] * (RefForward(kind, v + h) - RefForward(kind, v - h)) / (2 * h)).ToArray();
        Close(Added(Down(dxb), dx0), want, 1e-5, 1e-4, $"{kind} backward");
    }

    [Fact]
    public void SwiGlu()
    {
        const int rows = 3, hidden = 5;
        var x = Rand(rows * 2 * hidden, 17, -3f, 3f);
        using var xb = Up(x);
        using var y = Poisoned(rows * hidden);
        B.SwiGluForward(xb, y, rows, hidden);
        double Silu(double a) => a / (1 + Math.Exp(-a));
        var want = new double[rows * hidden];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < hidden; j++)
                want[r * hidden + j] = Silu(x[r * 2 * hidden + j]) * x[r * 2 * hidden + hidden + j];
        Close(Down(y), want, 1e-6, 1e-5, "SwiGlu forward");

        var dy = Rand(rows * hidden, 18);
        var dx0 = Rand(rows * 2 * hidden, 19);
        using var dxb = Up(dx0);
        B.SwiGluBackward(xb, Up(dy), dxb, rows, hidden);
        var dx = new double[dx0.Length];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < hidden; j++)
            {
                double a = x[r * 2 * hidden + j], g = x[r * 2 * hidden + hidden + j], sg = 1 / (1 + Math.Exp(-a));
                dx[r * 2 * hidden + j] = dy[r * hidden + j] * g * sg * (1 + a * (1 - sg));
                dx[r * 2 * hidden + hidden + j] = dy[r * hidden + j] * Silu(a);
            }
        Close(Added(Down(dxb), dx0), dx, 1e-5, 1e-4, "SwiGlu backward");
    }

    [Fact]
    public void ScaledResidual()
    {
        const int rows = 5, cols = 6;
        var x = Rand(rows * cols, 20);
        var res = Rand(rows * cols, 21);
        var gamma = Rand(cols, 22);
        using var xb = Up(x);
        using var rb = Up(res);
        using var gb = Up(gamma);
        B.ScaledResidualForward(xb, rb, gb, rows, cols);
        Close(Down(xb), x.Select((v, i) => v + (double)gamma[i % cols] * res[i]).ToArray(), 1e-6, 1e-6, "forward gamma");
        B.Upload<float>(x, xb);
        B.ScaledResidualForward(xb, rb, null, rows, cols);
        Close(Down(xb), x.Select((v, i) => (double)v + res[i]).ToArray(), 1e-6, 1e-6, "forward no gamma");

        var dy = Rand(rows * cols, 23);
        var dr0 = Rand(rows * cols, 24);
        var dg0 = Rand(cols, 25);
        using var drb = Up(dr0);
        using var dgb = Up(dg0);
        B.ScaledResidualBackward(Up(dy), rb, gb, drb, dgb, rows, cols);
        Close(Added(Down(drb), dr0), dy.Select((g, i) => (double)gamma[i % cols] * g).ToArray(), 1e-6, 1e-5, "dresidual");
        var dg = new double[cols];
        for (int i = 0; i < rows * cols; i++) dg[i % cols] += (double)dy[i] * res[i];
        Close(Added(Down(dgb), dg0), dg, 1e-5, 1e-5, "dgamma");
    }

    [Fact]
    public void OptimiserSteps()
    {
        const int n = 41;
        var p = Rand(n, 26);
        var g = Rand(n, 27);
        var m = Rand(n, 28, 0f, 0.1f);
        var v = Rand(n, 29, 0f, 0.01f);
        using var pb = Up(p);
        using var mb = Up(m);
        using var vb = Up(v);
        const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wd = 0.05f;
        const int step = 3;
        B.AdamW(pb, Up(g), mb, vb, lr, b1, b2, eps, wd, step);
        var wantP = new double[n];
        var wantM = new double[n];
        var wantV = new double[n];
        for (int i = 0; i < n; i++)
        {
            wantM[i] = b1 * m[i] + (1 - b1) * (double)g[i];
            wantV[i] = b2 * v[i] + (1 - b2) * (double)g[i] * g[i];
            double mh = wantM[i] / (1 - Math.Pow(b1, step)), vh = wantV[i] / (1 - Math.Pow(b2, step));
            wantP[i] = p[i] - lr * (mh / (Math.Sqrt(vh) + eps) + wd * p[i]);
        }
        Close(Down(mb), wantM, 1e-7, 1e-5, "AdamW m");
        Close(Down(vb), wantV, 1e-8, 1e-5, "AdamW v");
        Close(Down(pb), wantP, 1e-6, 1e-5, "AdamW p");

        var t = Rand(n, 30);
        using var tb = Up(t);
        B.Ema(tb, Up(p), 0.99f);
        Close(Down(tb), t.Select((a, i) => 0.99 * a + 0.01 * p[i]).ToArray(), 1e-6, 1e-5, "Ema");
    }
}
