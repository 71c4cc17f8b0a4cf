namespace Tips.Tests.Reference;

/// <summary>Float64 F.normalize(x, dim=-1, eps): x / max(|x|, eps).</summary>
public static class RefL2Normalize
{
    public static (double[] Y, double[] Norms) Forward(double[] x, int rows, int cols, double eps)
    {
        var y = new double[rows * cols];
        var norms = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sq = 0;
            for (int c = 0; c < cols; c++) sq += x[r * cols + c] * x[r * cols + c];
            norms[r] = Math.Sqrt(sq);
            double denom = Math.Max(norms[r], eps);
            for (int c = 0; c < cols; c++) y[r * cols + c] = x[r * cols + c] / denom;
        }
        return (y, norms);
    }

    /// <summary>Gradient of sum(y * dy) with respect to x.</summary>
    public static double[] Backward(double[] x, double[] dy, int rows, int cols, double eps)
    {
        var (y, norms) = Forward(x, rows, cols, eps);
        var dx = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            if (norms[r] <= eps)
            {
                for (int c = 0; c < cols; c++) dx[r * cols + c] = dy[r * cols + c] / eps;
                continue;
            }
            // d(x_c / n)/d x_k = delta_ck / n - x_c x_k / n^3
            double xdy = 0;
            for (int c = 0; c < cols; c++) xdy += x[r * cols + c] * dy[r * cols + c];
            double n = norms[r];
            for (int k = 0; k < cols; k++)
                dx[r * cols + k] = dy[r * cols + k] / n - x[r * cols + k] * xdy / (n * n * n);
        }
        return dx;
    }
}
