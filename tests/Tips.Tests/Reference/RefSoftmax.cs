namespace Tips.Tests.Reference;

/// <summary>Float64 row softmax of scale * x.</summary>
public static class RefSoftmax
{
    public static double[] Forward(double[] x, int rows, int cols, double scale)
    {
        var y = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < cols; c++) max = Math.Max(max, scale * x[r * cols + c]);
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += Math.Exp(scale * x[r * cols + c] - max);
            for (int c = 0; c < cols; c++) y[r * cols + c] = Math.Exp(scale * x[r * cols + c] - max) / sum;
        }
        return y;
    }

    /// <summary>Gradient of sum(y * dy) with respect to x, from the full Jacobian dy_c/dx_k = scale y_c (delta_ck - y_k).</summary>
    public static double[] Backward(double[] x, double[] dy, int rows, int cols, double scale)
    {
        var y = Forward(x, rows, cols, scale);
        var dx = new double[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < cols; k++)
            {
                double g = 0;
                for (int c = 0; c < cols; c++)
                    g += dy[r * cols + c] * scale * y[r * cols + c] * ((c == k ? 1 : 0) - y[r * cols + k]);
                dx[r * cols + k] = g;
            }
        return dx;
    }

    /// <summary>log sum exp(scale * x) of one row segment.</summary>
    public static double LogSumExp(double[] x, int offset, int count, double scale)
    {
        double max = double.NegativeInfinity;
        for (int c = 0; c < count; c++) max = Math.Max(max, scale * x[offset + c]);
        double sum = 0;
        for (int c = 0; c < count; c++) sum += Math.Exp(scale * x[offset + c] - max);
        return max + Math.Log(sum);
    }
}
