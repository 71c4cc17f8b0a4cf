namespace Tips.Tests.Kernels;

public abstract partial class IlgpuKernelTests
{
    private static double[] RefSoftmax(float[] x, int r, int cols, double scale)
    {
        double m = double.NegativeInfinity;
        for (int c = 0; c < cols; c++) m = Math.Max(m, scale * x[r * cols + c]);
        var e = new double[cols];
        for (int c = 0; c < cols; c++) e[c] = Math.Exp(scale * x[r * cols + c] - m);
        double s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }

    [Fact]
    public void SoftmaxForwardBackward()
    {
        const int rows = 5, cols = 23;
        const float scale = 1.7f;
        var x = Rand(rows * cols, 60, -5f, 5f);
        using var xb = Up(x);
        using var y = Poisoned(rows * cols);
        B.SoftmaxForward(xb, y, rows, cols, scale);
        var want = Enumerable.Range(0, rows).SelectMany(r => RefSoftmax(x, r, cols, scale)).ToArray();
        Close(Down(y), want, 1e-7, 1e-5, "softmax");

        var dy = Rand(rows * cols, 61);
        var dx0 = Rand(rows * cols, 62);
        using var dxb = Up(dx0);
        B.SoftmaxBackward(y, Up(dy), dxb, rows, cols, scale);
        var dx = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double dot = 0;
            for (int c = 0; c < cols; c++) dot += dy[r * cols + c] * want[r * cols + c];
            for (int c = 0; c < cols; c++) dx[r * cols + c] = scale * want[r * cols + c] * (dy[r * cols + c] - dot);
        }
        Close(Added(Down(dxb), dx0), dx, 1e-6, 1e-4, "softmax dx");
    }

    [Fact]
    public void SoftCrossEntropyForwardBackward()
    {
        const int rows = 4, cols = 13;
        const float scale = 2.5f;
        var x = Rand(rows * cols, 63, -3f, 3f);
        var t = Rand(rows * cols, 64, 0f, 1f); // unnormalised targets: sum(t) enters the gradient
        using var xb = Up(x);
        using var tb = Up(t);
        using var loss = Poisoned(rows);
        B.SoftCrossEntropyForward(xb, tb, loss, rows, cols, scale);
        var wantLoss = new double[rows];
        var dl = Rand(rows, 65);
        var dx = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            var p = RefSoftmax(x, r, cols, scale);
            double ts = 0;
            for (int c = 0; c < cols; c++)
            {
                wantLoss[r] -= t[r * cols + c] * Math.Log(p[c]);
                ts += t[r * cols + c];
            }
            for (int c = 0; c < cols; c++) dx[r * cols + c] = dl[r] * scale * (ts * p[c] - t[r * cols + c]);
        }
        Close(Down(loss), wantLoss, 1e-5, 1e-5, "SCE loss");
        var dx0 = Rand(rows * cols, 66);
        using var dxb = Up(dx0);
        B.SoftCrossEntropyBackward(xb, tb, Up(dl), dxb, rows, cols, scale);
        Close(Added(Down(dxb), dx0), dx, 1e-5, 1e-4, "SCE dlogits");
    }

    /// <summary>Images: one with two masked tokens, one with none (contributes 0), one fully masked.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MaskedPatchLoss(bool allPositions)
    {
        const int batch = 3, tokens = 5, k = 7;
        const float tauS = 0.1f, tauT = 0.04f;
        var s = Rand(batch * tokens * k, 67, -1f, 1f);
        var te = Rand(batch * tokens * k, 68, -1f, 1f);
        var center = Rand(k, 69, -0.2f, 0.2f);
        var mask = new float[batch * tokens];
        mask[1] = mask[3] = 1f;
        for (int n = 0; n < tokens; n++) mask[2 * tokens + n] = 1f;
        using var sb = Up(s);
        using var tb = Up(te);
        using var cb = Up(center);
        using var mb = Up(mask);
        using var loss = Poisoned(1);
        B.MaskedPatchLossForward(sb, tb, cb, mb, loss, batch, tokens, k, tauS, tauT, allPositions);

        // Per-token CE and its gradient in float64; weights 1 / (count_b * B).
        double total = 0;
        const float dloss = 1.3f;
        var ds = new double[s.Length];
        for (int b = 0; b < batch; b++)
        {
            int count = allPositions ? tokens : Enumerable.Range(0, tokens).Count(n => mask[b * tokens + n] != 0);
            for (int n = 0; n < tokens; n++)
            {
                if (count == 0 || !(allPositions || mask[b * tokens + n] != 0)) continue;
                int row = b * tokens + n;
                var tt = new float[k];
                for (int c = 0; c < k; c++) tt[c] = te[row * k + c] - center[c];
                var pt = RefSoftmax(tt, 0, k, 1.0 / tauT);
                var ps = RefSoftmax(s, row, k, 1.0 / tauS);
                double ce = 0;
                for (int c = 0; c < k; c++) ce -= pt[c] * Math.Log(ps[c]);
                total += ce / count / batch;
                for (int c = 0; c < k; c++) ds[row * k + c] = dloss * (ps[c] - pt[c]) / tauS / count / batch;
            }
        }
        Close(Down(loss), [total], 1e-5, 1e-5, "masked patch loss");
        var d0 = Rand(s.Length, 70);
        using var db = Up(d0);
        B.MaskedPatchLossBackward(sb, tb, cb, mb, dloss, db, batch, tokens, k, tauS, tauT, allPositions);
        Close(Added(Down(db), d0), ds, 1e-5, 1e-4, "masked patch loss dstudent");
    }

    [Fact]
    public void CenterUpdate()
    {
        const int rows = 7, k = 6;
        var x = Rand(rows * k, 71);
        var c0 = Rand(k, 72);
        using var cb = Up(c0);
        B.CenterUpdate(Up(x), cb, rows, k, 0.9f);
        var want = new double[k];
        for (int c = 0; c < k; c++)
        {
            double mean = 0;
            for (int r = 0; r < rows; r++) mean += x[r * k + c];
            want[c] = 0.9 * c0[c] + 0.1 * mean / rows;
        }
        Close(Down(cb), want, 1e-6, 1e-5, "center");
    }
}
