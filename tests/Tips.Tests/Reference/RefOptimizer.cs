namespace Tips.Tests.Reference;

/// <summary>Float64 optimizer steps as torch.optim.AdamW (decoupled decay applied first) and the EMA teacher update.</summary>
public static class RefOptimizer
{
    public static (double[] P, double[] M, double[] V) AdamW(double[] p, double[] g, double[] m, double[] v,
        double lr, double beta1, double beta2, double eps, double weightDecay, int step)
    {
        var pn = new double[p.Length];
        var mn = new double[p.Length];
        var vn = new double[p.Length];
        double bc1 = 1 - Math.Pow(beta1, step), bc2 = 1 - Math.Pow(beta2, step);
        for (int i = 0; i < p.Length; i++)
        {
            mn[i] = beta1 * m[i] + (1 - beta1) * g[i];
            vn[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
            double decayed = p[i] * (1 - lr * weightDecay);
            pn[i] = decayed - lr * (mn[i] / bc1) / (Math.Sqrt(vn[i] / bc2) + eps);
        }
        return (pn, mn, vn);
    }

    public static double[] Ema(double[] teacher, double[] student, double momentum)
    {
        var t = new double[teacher.Length];
        for (int i = 0; i < t.Length; i++) t[i] = momentum * teacher[i] + (1 - momentum) * student[i];
        return t;
    }
}
