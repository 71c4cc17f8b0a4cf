namespace Tips.Tests.Reference;

/// <summary>Float64 LayerNorm over the last dimension, biased variance.</summary>
public static class RefLayerNorm
{
    public static (double[] Y, double[] Mean, double[] Rstd) Forward(double[] x, double[] gamma, double[] beta, int rows, int cols, double eps)
    {
        var y = new double[rows * cols];
        var mean = new double[rows];
        var rstd = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double mu = 0;
            for (int c = 0; c < cols; c++) mu += x[r * cols + c];
            mu /= cols;
            double var = 0;
            for (int c = 0; c < cols; c++) var += (x[r * cols + c] - mu) * (x[r * cols + c] - mu);
            var /= cols;
            double rs = 1.0 / Math.Sqrt(var + eps);
            for (int c = 0; c < cols; c++) y[r * cols + c] = (x[r * cols + c] - mu) * rs * gamma[c] + beta[c];
            mean[r] = mu;
            rstd[r] = rs;
        }
        return (y, mean, rstd);
    }

    /// <summary>Gradients of sum(y * dy) with respect to x, gamma and beta.</summary>
    public static (double[] Dx, double[] Dgamma, double[] Dbeta) Backward(double[] dy, double[] x, double[] gamma, int rows, int cols, double eps)
    {
        var (_, mean, rstd) = Forward(x, gamma, new double[cols], rows, cols, eps);
        var dx = new double[rows * cols];
        var dgamma = new double[cols];
        var dbeta = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            var xhat = new double[cols];
            var g = new double[cols];
            double meanG = 0, meanGX = 0;
            for (int c = 0; c < cols; c++)
            {
                xhat[c] = (x[r * cols + c] - mean[r]) * rstd[r];
                g[c] = dy[r * cols + c] * gamma[c];
                meanG += g[c] / cols;
                meanGX += g[c] * xhat[c] / cols;
                dgamma[c] += dy[r * cols + c] * xhat[c];
                dbeta[c] += dy[r * cols + c];
            }
            for (int c = 0; c < cols; c++)
                dx[r * cols + c] = rstd[r] * (g[c] - meanG - xhat[c] * meanGX);
        }
        return (dx, dgamma, dbeta);
    }
}
