using ILGPU;

namespace Tips.Kernels;

/// <summary>
/// Pointwise kernels, one thread per element. Index2D launches use X for the column (ILGPU's fastest index)
/// so neighbouring threads touch neighbouring addresses. Legend: rows x cols, cols fastest.
/// </summary>
internal static class ElementwiseKernels
{
    public static void Fill(Index1D i, ArrayView<float> x, float value) => x[i] = value;

    public static void Copy(Index1D i, ArrayView<float> src, ArrayView<float> dst) => dst[i] = src[i];

    public static void Copy2D(Index2D i, ArrayView<float> src, int srcLd, ArrayView<float> dst, int dstLd) =>
        dst[(long)i.Y * dstLd + i.X] = src[(long)i.Y * srcLd + i.X];

    public static void Axpy(Index1D i, float alpha, ArrayView<float> x, ArrayView<float> y) => y[i] += alpha * x[i];

    public static void Scale(Index1D i, ArrayView<float> x, float alpha) => x[i] *= alpha;

    public static void AddRowVector(Index2D i, ArrayView<float> x, ArrayView<float> v, int cols, float alpha) =>
        x[(long)i.Y * cols + i.X] += alpha * v[i.X];

    public static void RowScaleForward(Index2D i, ArrayView<float> x, ArrayView<float> s, ArrayView<float> y, int cols)
    {
        long at = (long)i.Y * cols + i.X;
        y[at] = s[i.Y] * x[at];
    }

    public static void RowScaleBackward(Index2D i, ArrayView<float> s, ArrayView<float> dy, ArrayView<float> dx, int cols)
    {
        long at = (long)i.Y * cols + i.X;
        dx[at] += s[i.Y] * dy[at];
    }

    /// <summary>dx[b, r, c] += alpha * dy[b, c]; Y runs over batch * rows.</summary>
    public static void BroadcastRows(Index2D i, ArrayView<float> dy, ArrayView<float> dx, int rows, int cols, float alpha) =>
        dx[(long)i.Y * cols + i.X] += alpha * dy[(long)(i.Y / rows) * cols + i.X];

    public static void ActivationForward(Index1D i, int kind, ArrayView<float> x, ArrayView<float> y) =>
        y[i] = ActivationMath.Forward((Activation)kind, x[i]);

    public static void ActivationBackward(Index1D i, int kind, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx) =>
        dx[i] += ActivationMath.Derivative((Activation)kind, x[i]) * dy[i];

    public static void SwiGluForward(Index2D i, ArrayView<float> x, ArrayView<float> y, int hidden)
    {
        long row = (long)i.Y * 2 * hidden;
        float a = x[row + i.X];
        y[(long)i.Y * hidden + i.X] = ActivationMath.Forward(Activation.Silu, a) * x[row + hidden + i.X];
    }

    public static void SwiGluBackward(Index2D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, int hidden)
    {
        long row = (long)i.Y * 2 * hidden;
        float a = x[row + i.X];
        float gate = x[row + hidden + i.X];
        float g = dy[(long)i.Y * hidden + i.X];
        dx[row + i.X] += g * gate * ActivationMath.Derivative(Activation.Silu, a);
        dx[row + hidden + i.X] += g * ActivationMath.Forward(Activation.Silu, a);
    }

    public static void ScaledResidualForward(Index2D i, ArrayView<float> x, ArrayView<float> residual,
        ArrayView<float> gamma, int hasGamma, int cols)
    {
        long at = (long)i.Y * cols + i.X;
        x[at] += (hasGamma != 0 ? gamma[i.X] : 1f) * residual[at];
    }

    public static void ScaledResidualBackward(Index2D i, ArrayView<float> dy, ArrayView<float> gamma, int hasGamma,
        ArrayView<float> dresidual, int cols)
    {
        long at = (long)i.Y * cols + i.X;
        dresidual[at] += (hasGamma != 0 ? gamma[i.X] : 1f) * dy[at];
    }

    public static void AdamW(Index1D i, ArrayView<float> param, ArrayView<float> grad, ArrayView<float> m,
        ArrayView<float> v, AdamWParams p)
    {
        float g = grad[i];
        float mi = p.Beta1 * m[i] + (1f - p.Beta1) * g;
        float vi = p.Beta2 * v[i] + (1f - p.Beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        float mhat = mi / p.Correction1;
        float vhat = vi / p.Correction2;
        float w = param[i];
        param[i] = w - p.Lr * (mhat / (MathF.Sqrt(vhat) + p.Eps) + p.WeightDecay * w);
    }

    public static void Ema(Index1D i, ArrayView<float> teacher, ArrayView<float> student, float momentum) =>
        teacher[i] = momentum * teacher[i] + (1f - momentum) * student[i];
}

/// <summary>AdamW scalars; Correction1/2 = 1 - beta^step computed on the host in double.</summary>
internal struct AdamWParams
{
    public float Lr, Beta1, Beta2, Eps, WeightDecay, Correction1, Correction2;
}
