using Tips.Model;

namespace Tips.Train.Eval;

/// <summary>
/// A linear probe fitted in closed form (ridge regression, float64): W = (X'X + lambda n I)^-1 X'Y on centred
/// features, bias = mean(Y) - mean(X) W. Regression targets (depth) use it directly; classification (segmentation)
/// regresses one-hot targets and takes the argmax. Deterministic: no seed, no iteration budget.
/// </summary>
public sealed class RidgeProbe
{
    private readonly double[] _weights, _bias, _mean;

    public int Inputs { get; }
    public int Outputs { get; }

    private RidgeProbe(double[] weights, double[] bias, double[] mean, int inputs, int outputs)
    {
        (_weights, _bias, _mean, Inputs, Outputs) = (weights, bias, mean, inputs, outputs);
    }

    /// <summary>
    /// Fits rows <paramref name="x"/> (N, D) to targets <paramref name="y"/> (N, O), each row counted with its
    /// <paramref name="rowWeights"/> (N) entry (weighted least squares; all 1 when null).
    /// </summary>
    public static RidgeProbe Fit(ReadOnlySpan<float> x, ReadOnlySpan<double> y, int inputs, int outputs, double lambda = 1e-3,
        ReadOnlySpan<double> rowWeights = default)
    {
        if (inputs <= 0 || outputs <= 0 || x.Length % inputs != 0 || x.Length / inputs == 0 || y.Length != x.Length / inputs * outputs)
            throw new TipsException($"ridge probe: {x.Length} features and {y.Length} targets are not N x {inputs} and N x {outputs}");
        int n = x.Length / inputs, d = inputs, o = outputs;
        if (!rowWeights.IsEmpty && rowWeights.Length != n) throw new TipsException($"ridge probe: {rowWeights.Length} row weights for {n} rows");
        var weight = new double[n];
        for (int i = 0; i < n; i++)
        {
            weight[i] = rowWeights.IsEmpty ? 1 : rowWeights[i];
            if (!(weight[i] >= 0 && double.IsFinite(weight[i]))) throw new TipsException($"ridge probe: row weight {weight[i]} is not finite and >= 0");
        }
        double total = weight.Sum();
        if (!(total > 0)) throw new TipsException("ridge probe: the row weights sum to 0");
        var mean = new double[d];
        var yMean = new double[o];
        for (int i = 0; i < n; i++)
        {
            double share = weight[i] / total;
            for (int k = 0; k < d; k++) mean[k] += x[i * d + k] * share;
            for (int k = 0; k < o; k++) yMean[k] += y[i * o + k] * share;
        }
        var gram = new double[d * d];
        var rhs = new double[d * o];
        var row = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < d; k++) row[k] = x[i * d + k] - mean[k];
            for (int a = 0; a < d; a++)
            {
                double wa = weight[i] * row[a];
                for (int b = a; b < d; b++) gram[a * d + b] += wa * row[b];
                for (int c = 0; c < o; c++) rhs[a * o + c] += wa * (y[i * o + c] - yMean[c]);
            }
        }
        // lambda is relative to the mean feature variance, so one value suits features of any scale.
        double trace = 0;
        for (int a = 0; a < d; a++) trace += gram[a * d + a];
        double ridge = lambda * Math.Max(trace / d, 1e-300);
        for (int a = 0; a < d; a++)
        {
            gram[a * d + a] += ridge;
            for (int b = 0; b < a; b++) gram[a * d + b] = gram[b * d + a];
        }
        var weights = Cholesky.Solve(gram, rhs, d, o);
        return new RidgeProbe(weights, yMean, mean, d, o);
    }

    /// <summary>(N, O) outputs for rows (N, D).</summary>
    public double[] Predict(ReadOnlySpan<float> x)
    {
        if (x.Length % Inputs != 0) throw new TipsException($"ridge probe: {x.Length} features are not rows of {Inputs}");
        int n = x.Length / Inputs;
        var result = new double[n * Outputs];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < Outputs; c++)
            {
                double s = _bias[c];
                for (int k = 0; k < Inputs; k++) s += (x[i * Inputs + k] - _mean[k]) * _weights[k * Outputs + c];
                result[i * Outputs + c] = s;
            }
        return result;
    }

    /// <summary>Argmax class of each row (one-hot regression).</summary>
    public int[] Classify(ReadOnlySpan<float> x)
    {
        var scores = Predict(x);
        var result = new int[scores.Length / Outputs];
        for (int i = 0; i < result.Length; i++) result[i] = Metrics.ArgMax(scores.AsSpan(i * Outputs, Outputs));
        return result;
    }

    /// <summary>Per row 1 / (its class's share of the rows): every class present weighs the same in the fit.</summary>
    public static double[] BalancedWeights(ReadOnlySpan<int> labels, int classes)
    {
        var counts = new double[classes];
        foreach (int l in labels)
            counts[l >= 0 && l < classes ? l : throw new TipsException($"label {l} is outside [0, {classes})")]++;
        var result = new double[labels.Length];
        for (int i = 0; i < labels.Length; i++) result[i] = labels.Length / counts[labels[i]];
        return result;
    }

    /// <summary>One-hot rows (N, classes) of labels in [0, classes).</summary>
    public static double[] OneHot(ReadOnlySpan<int> labels, int classes)
    {
        var result = new double[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classes) throw new TipsException($"label {labels[i]} is outside [0, {classes})");
            result[i * classes + labels[i]] = 1;
        }
        return result;
    }
}

/// <summary>Solves A X = B for a symmetric positive definite A (D, D) and B (D, O).</summary>
internal static class Cholesky
{
    public static double[] Solve(double[] a, double[] b, int d, int o)
    {
        var l = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = a[i * d + j];
                for (int k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
                if (i == j)
                {
                    if (!(s > 0)) throw new TipsException("ridge probe: the regularised Gram matrix is not positive definite (non-finite features?)");
                    l[i * d + i] = Math.Sqrt(s);
                }
                else l[i * d + j] = s / l[j * d + j];
            }
        var x = (double[])b.Clone();
        for (int c = 0; c < o; c++)
        {
            for (int i = 0; i < d; i++)
            {
                double s = x[i * o + c];
                for (int k = 0; k < i; k++) s -= l[i * d + k] * x[k * o + c];
                x[i * o + c] = s / l[i * d + i];
            }
            for (int i = d - 1; i >= 0; i--)
            {
                double s = x[i * o + c];
                for (int k = i + 1; k < d; k++) s -= l[k * d + i] * x[k * o + c];
                x[i * o + c] = s / l[i * d + i];
            }
        }
        return x;
    }
}
