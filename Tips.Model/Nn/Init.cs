namespace Tips.Model.Nn;

/// <summary>Parameter initialisers for <see cref="VarBuilder"/>.</summary>
public static class Init
{
    /// <summary>
    /// Every value drawn from N(mean, std) with a generator seeded by (seed, key), so a parameter's values do not
    /// depend on declaration order.
    /// </summary>
    public static VarBuilder.ParameterValues Normal(int seed, float std, float mean = 0f) => (key, shape) =>
    {
        var rng = new Random(seed ^ StableHash(key));
        var values = new float[Tensors.Tensor.ShapeLength(shape)];
        for (int i = 0; i < values.Length; i++)
        {
            // Box-Muller.
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            values[i] = mean + std * (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }
        return values;
    };

    /// <summary>FNV-1a of the key (string.GetHashCode is randomised per process).</summary>
    private static int StableHash(string key)
    {
        uint h = 2166136261;
        foreach (char c in key) h = (h ^ c) * 16777619;
        return (int)h;
    }
}
