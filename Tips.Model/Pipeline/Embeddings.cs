namespace Tips.Model;

/// <summary>Host-side float64 maths on embedding rows (B, D): the release's normalisation, cosines, softmax.</summary>
public static class Embeddings
{
    /// <summary>The release's L2 normalisation floor: v / max(|v|, 1e-3).</summary>
    public const double NormFloor = 1e-3;

    /// <summary>Normalises every row of width <paramref name="width"/> as released: v / max(|v|, 1e-3).</summary>
    public static double[] Normalize(ReadOnlySpan<float> rows, int width)
    {
        Rows(rows.Length, width, "embeddings");
        var result = new double[rows.Length];
        for (int r = 0; r < rows.Length / width; r++)
        {
            double ss = 0;
            for (int k = 0; k < width; k++) ss += (double)rows[r * width + k] * rows[r * width + k];
            double inv = 1.0 / Math.Max(Math.Sqrt(ss), NormFloor);
            for (int k = 0; k < width; k++) result[r * width + k] = rows[r * width + k] * inv;
        }
        return result;
    }

    /// <summary>Normalises double rows in place, with the same floor.</summary>
    public static void NormalizeInPlace(Span<double> rows, int width)
    {
        Rows(rows.Length, width, "embeddings");
        for (int r = 0; r < rows.Length / width; r++)
        {
            var row = rows.Slice(r * width, width);
            double ss = 0;
            foreach (var v in row) ss += v * v;
            double inv = 1.0 / Math.Max(Math.Sqrt(ss), NormFloor);
            for (int k = 0; k < width; k++) row[k] *= inv;
        }
    }

    /// <summary>Cosine similarities [a][b] of the rows of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static double[][] Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int width) =>
        Cosine(Normalize(a, width), Normalize(b, width), width);

    /// <summary>Dot products [a][b] of rows that are already normalised.</summary>
    public static double[][] Cosine(double[] a, double[] b, int width)
    {
        int na = Rows(a.Length, width, "first operand"), nb = Rows(b.Length, width, "second operand");
        var result = new double[na][];
        for (int i = 0; i < na; i++)
        {
            result[i] = new double[nb];
            for (int j = 0; j < nb; j++)
            {
                double s = 0;
                for (int k = 0; k < width; k++) s += a[i * width + k] * b[j * width + k];
                result[i][j] = s;
            }
        }
        return result;
    }

    /// <summary>softmax(scale * x), max-subtracted.</summary>
    public static float[] Softmax(IReadOnlyList<double> x, double scale)
    {
        double max = x.Max(v => v * scale), sum = 0;
        var e = new double[x.Count];
        for (int i = 0; i < e.Length; i++) sum += e[i] = Math.Exp(x[i] * scale - max);
        return e.Select(v => (float)(v / sum)).ToArray();
    }

    private static int Rows(int length, int width, string what)
    {
        if (width <= 0 || length == 0 || length % width != 0)
            throw new TipsException($"{what}: {length} values are not rows of width {width}");
        return length / width;
    }
}
