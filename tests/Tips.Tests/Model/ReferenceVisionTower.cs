namespace Tips.Tests.Model;

/// <summary>
/// The TIPS image tower written from the specification as plain float64 loops, sharing no code with the model:
/// the independent implementation the random-config tests compare against.
/// </summary>
public sealed class ReferenceVisionTower(Func<string, double[]> p, int width, int heads, int patch, bool swiGlu, int depth)
{
    /// <summary>Returns, per image, the final-norm tokens (N, D): CLS1, CLS2, patches row-major.</summary>
    public double[][,] Forward(double[] images, int batch, int height, int width_, double[]? mask, bool valuePathLastBlock,
        int intermediateLayer, out double[][,] intermediate)
    {
        int d = width, gh = height / patch, gw = width_ / patch, np = gh * gw, n = 2 + np;
        var pos = p("pos_embed");
        int g = (int)Math.Round(Math.Sqrt(pos.Length / d - 1));
        var posGrid = Resize(pos.AsSpan(d).ToArray(), g, g, gh, gw, d);
        var outputs = new double[batch][,];
        intermediate = new double[batch][,];
        for (int b = 0; b < batch; b++)
        {
            var x = new double[n, d];
            var w = p("patch_embed.proj.weight");
            var bias = p("patch_embed.proj.bias");
            for (int py = 0; py < gh; py++)
                for (int px = 0; px < gw; px++)
                {
                    int t = py * gw + px;
                    bool masked = mask is not null && mask[b * np + t] == 1.0;
                    for (int o = 0; o < d; o++)
                    {
                        double s;
                        if (masked) s = p("mask_token")[o];
                        else
                        {
                            s = bias[o];
                            for (int c = 0; c < 3; c++)
                                for (int ky = 0; ky < patch; ky++)
                                    for (int kx = 0; kx < patch; kx++)
                                        s += w[((o * 3 + c) * patch + ky) * patch + kx]
                                             * images[((b * height + py * patch + ky) * width_ + px * patch + kx) * 3 + c];
                        }
                        x[2 + t, o] = s + posGrid[t * d + o];
                    }
                }
            for (int o = 0; o < d; o++)
            {
                x[0, o] = p("cls_token")[o] + pos[o];
                x[1, o] = p("register_tokens")[o];
            }
            for (int i = 0; i < depth; i++)
            {
                x = Block(x, $"blocks.{i}.", valuePathLastBlock && i == depth - 1);
                if (i == intermediateLayer) intermediate[b] = LayerNorm(x, p("norm.weight"), p("norm.bias"));
            }
            outputs[b] = LayerNorm(x, p("norm.weight"), p("norm.bias"));
        }
        return outputs;
    }

    private double[,] Block(double[,] x, string k, bool valuePath)
    {
        int n = x.GetLength(0), d = width, dh = d / heads;
        var h = LayerNorm(x, p(k + "norm1.weight"), p(k + "norm1.bias"));
        var qkv = Linear(h, p(k + "attn.qkv.weight"), p(k + "attn.qkv.bias"));
        var mixed = new double[n, d];
        for (int hd = 0; hd < heads; hd++)
            for (int i = 0; i < n; i++)
            {
                if (valuePath)
                {
                    for (int e = 0; e < dh; e++) mixed[i, hd * dh + e] = qkv[i, 2 * d + hd * dh + e];
                    continue;
                }
                var s = new double[n];
                double max = double.NegativeInfinity;
                for (int j = 0; j < n; j++)
                {
                    for (int e = 0; e < dh; e++) s[j] += qkv[i, hd * dh + e] / Math.Sqrt(dh) * qkv[j, d + hd * dh + e];
                    max = Math.Max(max, s[j]);
                }
                double z = 0;
                for (int j = 0; j < n; j++) z += s[j] = Math.Exp(s[j] - max);
                for (int j = 0; j < n; j++)
                    for (int e = 0; e < dh; e++) mixed[i, hd * dh + e] += s[j] / z * qkv[j, 2 * d + hd * dh + e];
            }
        var attn = Linear(mixed, p(k + "attn.proj.weight"), p(k + "attn.proj.bias"));
        var ls1 = p(k + "ls1.gamma");
        for (int i = 0; i < n; i++)
            for (int c = 0; c < d; c++) x[i, c] += ls1[c] * attn[i, c];

        var h2 = LayerNorm(x, p(k + "norm2.weight"), p(k + "norm2.bias"));
        double[,] hidden;
        if (swiGlu)
        {
            var u = Linear(h2, p(k + "mlp.w12.weight"), p(k + "mlp.w12.bias"));
            int hh = u.GetLength(1) / 2;
            hidden = new double[n, hh];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < hh; j++) hidden[i, j] = u[i, j] / (1 + Math.Exp(-u[i, j])) * u[i, hh + j];
        }
        else
        {
            hidden = Linear(h2, p(k + "mlp.fc1.weight"), p(k + "mlp.fc1.bias"));
            for (int i = 0; i < n; i++)
                for (int j = 0; j < hidden.GetLength(1); j++) hidden[i, j] = 0.5 * hidden[i, j] * (1 + Erf(hidden[i, j] / Math.Sqrt(2)));
        }
        var ffn = Linear(hidden, p(k + (swiGlu ? "mlp.w3.weight" : "mlp.fc2.weight")), p(k + (swiGlu ? "mlp.w3.bias" : "mlp.fc2.bias")));
        var ls2 = p(k + "ls2.gamma");
        for (int i = 0; i < n; i++)
            for (int c = 0; c < d; c++) x[i, c] += ls2[c] * ffn[i, c];
        return x;
    }

    private static double[,] Linear(double[,] x, double[] w, double[] b)
    {
        int n = x.GetLength(0), inF = x.GetLength(1), outF = b.Length;
        var y = new double[n, outF];
        for (int i = 0; i < n; i++)
            for (int o = 0; o < outF; o++)
            {
                double s = b[o];
                for (int c = 0; c < inF; c++) s += x[i, c] * w[o * inF + c];
                y[i, o] = s;
            }
        return y;
    }

    private static double[,] LayerNorm(double[,] x, double[] g, double[] b)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var y = new double[n, d];
        for (int i = 0; i < n; i++)
        {
            double mean = 0, v = 0;
            for (int c = 0; c < d; c++) mean += x[i, c] / d;
            for (int c = 0; c < d; c++) v += (x[i, c] - mean) * (x[i, c] - mean) / d;
            for (int c = 0; c < d; c++) y[i, c] = (x[i, c] - mean) / Math.Sqrt(v + 1e-6) * g[c] + b[c];
        }
        return y;
    }

    /// <summary>Antialiased bilinear resize of a (G, G, D) grid to (outH, outW, D), the formula of the spec.</summary>
    private static double[] Resize(double[] grid, int inH, int inW, int outH, int outW, int d)
    {
        var wy = Weights(inH, outH);
        var wx = Weights(inW, outW);
        var y = new double[outH * outW * d];
        for (int i = 0; i < outH; i++)
            for (int j = 0; j < outW; j++)
                for (int a = 0; a < inH; a++)
                    for (int c = 0; c < inW; c++)
                        for (int e = 0; e < d; e++)
                            y[(i * outW + j) * d + e] += wy[i, a] * wx[j, c] * grid[(a * inW + c) * d + e];
        return y;
    }

    private static double[,] Weights(int n, int m)
    {
        var w = new double[m, n];
        double scale = (double)n / m, support = Math.Max(scale, 1), inv = 1 / Math.Max(scale, 1);
        for (int i = 0; i < m; i++)
        {
            double center = scale * (i + 0.5), total = 0;
            int lo = Math.Max((int)Math.Floor(center - support + 0.5), 0), hi = Math.Min((int)Math.Floor(center + support + 0.5), n);
            for (int j = lo; j < hi; j++) total += w[i, j] = Math.Max(0, 1 - Math.Abs((j - center + 0.5) * inv));
            for (int j = lo; j < hi; j++) w[i, j] /= total;
        }
        return w;
    }

    /// <summary>erf to ~1e-15 by its Taylor series near 0 and the continued fraction of erfc beyond.</summary>
    private static double Erf(double x)
    {
        double ax = Math.Abs(x);
        if (ax < 3)
        {
            double sum = 0, term = ax;
            for (int k = 0; k < 200; k++)
            {
                sum += term / (2 * k + 1);
                term *= -ax * ax / (k + 1);
                if (Math.Abs(term) < 1e-18) break;
            }
            return Math.Sign(x) * 2 / Math.Sqrt(Math.PI) * sum;
        }
        // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) evaluated from the tail.
        double f = ax;
        for (int k = 60; k >= 1; k--) f = ax + k / 2.0 / f;
        return Math.Sign(x) * (1 - Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / f);
    }
}
