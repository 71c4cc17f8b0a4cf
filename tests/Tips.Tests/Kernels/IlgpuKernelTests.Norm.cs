namespace Tips.Tests.Kernels;

public abstract partial class IlgpuKernelTests
{
    [Fact]
    public void LayerNormForwardBackward()
    {
        const int rows = 5, cols = 19;
        const float eps = 1e-6f;
        var x = Rand(rows * cols, 50).Select(v => v + 3f).ToArray(); // an offset mean tests the two-pass variance
        var gamma = Rand(cols, 51);
        var beta = Rand(cols, 52);
        using var xb = Up(x);
        using var gb = Up(gamma);
        using var y = Poisoned(rows * cols);
        using var mean = Poisoned(rows);
        using var rstd = Poisoned(rows);
        B.LayerNormForward(xb, gb, Up(beta), y, mean, rstd, rows, cols, eps);
        var wantY = new double[rows * cols];
        var mu = new double[rows];
        var rs = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++) mu[r] += x[r * cols + c];
            mu[r] /= cols;
            double v = 0;
            for (int c = 0; c < cols; c++) v += Math.Pow(x[r * cols + c] - mu[r], 2);
            rs[r] = 1 / Math.Sqrt(v / cols + eps);
            for (int c = 0; c < cols; c++) wantY[r * cols + c] = (x[r * cols + c] - mu[r]) * rs[r] * gamma[c] + beta[c];
        }
        Close(Down(y), wantY, 1e-5, 1e-5, "LayerNorm y");
        Close(Down(mean), mu, 1e-6, 1e-6, "LayerNorm mean");
        Close(Down(rstd), rs, 1e-5, 1e-5, "LayerNorm rstd");

        var dy = Rand(rows * cols, 53);
        var dx0 = Rand(rows * cols, 54);
        var dg0 = Rand(cols, 55);
        var db0 = Rand(cols, 56);
        using var dxb = Up(dx0);
        using var dgb = Up(dg0);
        using var dbb = Up(db0);
        B.LayerNormBackward(Up(dy), xb, gb, mean, rstd, dxb, dgb, dbb, rows, cols);
        var dx = new double[rows * cols];
        var dg = new double[cols];
        var db = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            double a = 0, b = 0;
            for (int c = 0; c < cols; c++)
            {
                double xh = (x[r * cols + c] - mu[r]) * rs[r], g = gamma[c] * dy[r * cols + c];
                a += g;
                b += g * xh;
                dg[c] += dy[r * cols + c] * xh;
                db[c] += dy[r * cols + c];
            }
            for (int c = 0; c < cols; c++)
            {
                double xh = (x[r * cols + c] - mu[r]) * rs[r];
                dx[r * cols + c] = rs[r] * (gamma[c] * dy[r * cols + c] - a / cols - xh * b / cols);
            }
        }
        Close(Added(Down(dxb), dx0), dx, 1e-4, 1e-4, "LayerNorm dx");
        Close(Added(Down(dgb), dg0), dg, 1e-5, 1e-4, "LayerNorm dgamma");
        Close(Added(Down(dbb), db0), db, 1e-5, 1e-5, "LayerNorm dbeta");
    }

    [Fact]
    public void L2NormalizeForwardBackward()
    {
        const int rows = 4, cols = 9;
        const float eps = 1e-3f;
        var x = Rand(rows * cols, 57);
        for (int c = 0; c < cols; c++) x[2 * cols + c] *= 1e-5f; // a row whose norm is below eps
        using var xb = Up(x);
        using var y = Poisoned(rows * cols);
        using var norms = Poisoned(rows);
        B.L2NormalizeForward(xb, y, norms, rows, cols, eps);
        var nrm = new double[rows];
        for (int i = 0; i < rows * cols; i++) nrm[i / cols] += (double)x[i] * x[i];
        for (int r = 0; r < rows; r++) nrm[r] = Math.Sqrt(nrm[r]);
        var wantY = x.Select((v, i) => v / Math.Max(nrm[i / cols], eps)).ToArray();
        Close(Down(y), wantY, 1e-6, 1e-5, "L2 y");
        Close(Down(norms), nrm, 1e-8, 1e-5, "L2 norms");

        var dy = Rand(rows * cols, 58);
        var dx0 = Rand(rows * cols, 59);
        using var dxb = Up(dx0);
        B.L2NormalizeBackward(y, norms, Up(dy), dxb, rows, cols, eps);
        // Central differences of the float64 forward: the two branches of the derivative included.
        var dx = new double[rows * cols];
        const double h = 1e-7;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                double F(double delta)
                {
                    double n2 = 0;
                    for (int j = 0; j < cols; j++)
                    {
                        double v = x[r * cols + j] + (j == c ? delta : 0);
                        n2 += v * v;
                    }
                    double s = 0, inv = 1 / Math.Max(Math.Sqrt(n2), eps);
                    for (int j = 0; j < cols; j++) s += dy[r * cols + j] * (x[r * cols + j] + (j == c ? delta : 0)) * inv;
                    return s;
                }
                dx[r * cols + c] = (F(h) - F(-h)) / (2 * h);
            }
        Close(Added(Down(dxb), dx0), dx, 1e-3, 1e-3, "L2 dx");
    }
}
