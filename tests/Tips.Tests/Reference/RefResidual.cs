namespace Tips.Tests.Reference;

/// <summary>Float64 residual add with optional layer scale gamma (null means 1).</summary>
public static class RefResidual
{
    public static double[] Forward(double[] x, double[] residual, double[]? gamma, int rows, int cols)
    {
        var y = new double[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                y[r * cols + c] = x[r * cols + c] + (gamma is null ? 1 : gamma[c]) * residual[r * cols + c];
        return y;
    }

    /// <summary>Gradients of sum(y * dy) with respect to the residual and gamma.</summary>
    public static (double[] Dresidual, double[] Dgamma) Backward(double[] dy, double[] residual, double[]? gamma, int rows, int cols)
    {
        var dres = new double[rows * cols];
        var dgamma = new double[cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                dres[r * cols + c] = (gamma is null ? 1 : gamma[c]) * dy[r * cols + c];
                dgamma[c] += dy[r * cols + c] * residual[r * cols + c];
            }
        return (dres, dgamma);
    }
}
