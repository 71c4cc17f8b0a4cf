namespace Tips.Tests.Reference;

/// <summary>Float64 references for the elementwise ops and data movement.</summary>
public static class RefElementwise
{
    public static double[] Copy2D(double[] src, int srcLd, double[] dstBefore, int dstLd, int rows, int cols)
    {
        var dst = (double[])dstBefore.Clone();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                dst[r * dstLd + c] = src[r * srcLd + c];
        return dst;
    }

    public static double[] Axpy(double alpha, double[] x, double[] y)
    {
        var result = new double[y.Length];
        for (int i = 0; i < y.Length; i++) result[i] = y[i] + alpha * x[i];
        return result;
    }

    public static double[] Scale(double[] x, double alpha)
    {
        var result = new double[x.Length];
        for (int i = 0; i < x.Length; i++) result[i] = alpha * x[i];
        return result;
    }

    public static double[] AddRowVector(double[] x, double[] v, int rows, int cols, double alpha)
    {
        var result = new double[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                result[r * cols + c] = x[r * cols + c] + alpha * v[c];
        return result;
    }

    public static double[] RowScaleForward(double[] x, double[] s, int rows, int cols)
    {
        var y = new double[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                y[r * cols + c] = s[r] * x[r * cols + c];
        return y;
    }

    /// <summary>Gradients of sum(y * dy) with respect to x and s.</summary>
    public static (double[] Dx, double[] Ds) RowScaleBackward(double[] x, double[] s, double[] dy, int rows, int cols)
    {
        var dx = new double[rows * cols];
        var ds = new double[rows];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                dx[r * cols + c] = s[r] * dy[r * cols + c];
                ds[r] += dy[r * cols + c] * x[r * cols + c];
            }
        return (dx, ds);
    }

    public static double SumSquares(double[] x)
    {
        double sum = 0;
        foreach (double v in x) sum += v * v;
        return sum;
    }
}
