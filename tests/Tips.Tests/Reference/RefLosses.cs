namespace Tips.Tests.Reference;

/// <summary>Float64 distillation losses: soft cross-entropy, the iBOT masked-patch loss and its center update.</summary>
public static class RefLosses
{
    public static double[] SoftCrossEntropyForward(double[] logits, double[] targets, int rows, int cols, double scale)
    {
        var loss = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double lse = RefSoftmax.LogSumExp(logits, r * cols, cols, scale);
            for (int c = 0; c < cols; c++)
                loss[r] -= targets[r * cols + c] * (scale * logits[r * cols + c] - lse);
        }
        return loss;
    }

    /// <summary>Gradient of sum_r dloss[r] * loss[r] with respect to the logits.</summary>
    public static double[] SoftCrossEntropyBackward(double[] logits, double[] targets, double[] dloss, int rows, int cols, double scale)
    {
        var p = RefSoftmax.Forward(logits, rows, cols, scale);
        var d = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double sumT = 0;
            for (int c = 0; c < cols; c++) sumT += targets[r * cols + c];
            for (int c = 0; c < cols; c++)
                d[r * cols + c] = dloss[r] * scale * (sumT * p[r * cols + c] - targets[r * cols + c]);
        }
        return d;
    }

    /// <summary>softmax((teacher - center) / tauT) per token: (B * N, K).</summary>
    public static double[] PatchTargets(double[] teacher, double[] center, int rows, int k, double tauT)
    {
        var shifted = new double[rows * k];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < k; c++)
                shifted[r * k + c] = teacher[r * k + c] - center[c];
        return RefSoftmax.Forward(shifted, rows, k, 1.0 / tauT);
    }

    private static bool Counts(double[] mask, int row, bool allPositions) => allPositions || mask[row] != 0;

    public static double MaskedPatchLossForward(double[] student, double[] teacher, double[] center, double[] mask,
        int batch, int tokens, int k, double tauS, double tauT, bool allPositions)
    {
        var t = PatchTargets(teacher, center, batch * tokens, k, tauT);
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            double sum = 0;
            int count = 0;
            for (int n = 0; n < tokens; n++)
            {
                int row = b * tokens + n;
                if (!Counts(mask, row, allPositions)) continue;
                count++;
                double lse = RefSoftmax.LogSumExp(student, row * k, k, 1.0 / tauS);
                for (int c = 0; c < k; c++) sum -= t[row * k + c] * (student[row * k + c] / tauS - lse);
            }
            // An image without masked patches contributes 0 but still counts in the mean over images.
            total += count == 0 ? 0 : sum / count;
        }
        return total / batch;
    }

    /// <summary>Gradient of dloss * loss with respect to the student logits.</summary>
    public static double[] MaskedPatchLossBackward(double[] student, double[] teacher, double[] center, double[] mask, double dloss,
        int batch, int tokens, int k, double tauS, double tauT, bool allPositions)
    {
        var t = PatchTargets(teacher, center, batch * tokens, k, tauT);
        var p = RefSoftmax.Forward(student, batch * tokens, k, 1.0 / tauS);
        var d = new double[batch * tokens * k];
        for (int b = 0; b < batch; b++)
        {
            int count = 0;
            for (int n = 0; n < tokens; n++)
                if (Counts(mask, b * tokens + n, allPositions)) count++;
            for (int n = 0; n < tokens; n++)
            {
                int row = b * tokens + n;
                if (!Counts(mask, row, allPositions)) continue;
                double sumT = 0;
                for (int c = 0; c < k; c++) sumT += t[row * k + c];
                for (int c = 0; c < k; c++)
                    d[row * k + c] = dloss / (batch * count) * (sumT * p[row * k + c] - t[row * k + c]) / tauS;
            }
        }
        return d;
    }

    public static double[] CenterUpdate(double[] x, double[] center, int rows, int k, double momentum)
    {
        var result = new double[k];
        for (int c = 0; c < k; c++)
        {
            double mean = 0;
            for (int r = 0; r < rows; r++) mean += x[r * k + c];
            result[c] = momentum * center[c] + (1 - momentum) * mean / rows;
        }
        return result;
    }
}
