using Tips.Tests.Reference;

namespace Tips.Tests.Train;

/// <summary>Float64 references of the training losses and the DINO head.</summary>
public static class RefTrainLosses
{
    private static double[] Normalize(double[] x, int rows, int cols)
    {
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double n = 0;
            for (int c = 0; c < cols; c++) n += x[r * cols + c] * x[r * cols + c];
            n = Math.Sqrt(n);
            for (int c = 0; c < cols; c++) y[r * cols + c] = x[r * cols + c] / n;
        }
        return y;
    }

    public static double Clip(double[] image, double[] text, int batch, int dim, double logInvTau)
    {
        var z = Normalize(image, batch, dim);
        var u = Normalize(text, batch, dim);
        double s = Math.Exp(logInvTau), loss = 0;
        var logits = new double[batch * batch];
        for (int i = 0; i < batch; i++)
            for (int j = 0; j < batch; j++)
            {
                double dot = 0;
                for (int c = 0; c < dim; c++) dot += z[i * dim + c] * u[j * dim + c];
                logits[i * batch + j] = s * dot;
            }
        for (int i = 0; i < batch; i++)
        {
            double rowMax = double.NegativeInfinity, colMax = double.NegativeInfinity;
            for (int j = 0; j < batch; j++)
            {
                rowMax = Math.Max(rowMax, logits[i * batch + j]);
                colMax = Math.Max(colMax, logits[j * batch + i]);
            }
            double rowSum = 0, colSum = 0;
            for (int j = 0; j < batch; j++)
            {
                rowSum += Math.Exp(logits[i * batch + j] - rowMax);
                colSum += Math.Exp(logits[j * batch + i] - colMax);
            }
            loss += (rowMax + Math.Log(rowSum) - logits[i * batch + i]) + (colMax + Math.Log(colSum) - logits[i * batch + i]);
        }
        return loss / (2 * batch);
    }

    /// <summary>DINOHead forward in float64: params by key as in losses.npz.</summary>
    public static double[] Head(Func<string, double[]> p, double[] x, int rows, int inDim, int hidden, int bottleneck, int k)
    {
        var h = Linear(x, p("mlp.0.weight"), p("mlp.0.bias"), rows, inDim, hidden);
        Gelu(h);
        h = Linear(h, p("mlp.2.weight"), p("mlp.2.bias"), rows, hidden, hidden);
        Gelu(h);
        h = Normalize(Linear(h, p("mlp.4.weight"), p("mlp.4.bias"), rows, hidden, bottleneck), rows, bottleneck);
        var v = Normalize(p("last_layer.weight_v"), k, bottleneck);
        var g = p("last_layer.weight_g");
        for (int r = 0; r < k; r++)
            for (int c = 0; c < bottleneck; c++) v[r * bottleneck + c] *= g[r];
        return Linear(h, v, new double[k], rows, bottleneck, k);
    }

    private static double[] Linear(double[] x, double[] w, double[] b, int rows, int inF, int outF)
    {
        var y = new double[rows * outF];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outF; o++)
            {
                double s = b[o];
                for (int i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
                y[r * outF + o] = s;
            }
        return y;
    }

    private static void Gelu(double[] x)
    {
        for (int i = 0; i < x.Length; i++) x[i] = RefActivations.Forward(RefActivations.Kind.Gelu, x[i]);
    }

    /// <summary>Mean over crops of the batch-mean CE of log_softmax(s / tauS) against softmax((t - c) / tauT).</summary>
    public static double Dino(double[] students, double[] teacher, double[] center, int crops, int batch, int k, double tauS, double tauT)
    {
        var t = RefLosses.PatchTargets(teacher, center, batch, k, tauT);
        double loss = 0;
        for (int m = 0; m < crops; m++)
            loss += RefLosses.SoftCrossEntropyForward(students[(m * batch * k)..((m + 1) * batch * k)], t, batch, k, 1.0 / tauS).Average();
        return loss / crops;
    }
}
