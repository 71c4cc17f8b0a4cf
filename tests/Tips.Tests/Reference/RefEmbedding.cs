namespace Tips.Tests.Reference;

/// <summary>Float64 embedding lookup and its scatter-add gradient.</summary>
public static class RefEmbedding
{
    public static double[] Forward(double[] table, int[] ids, int dim, double scale)
    {
        var y = new double[ids.Length * dim];
        for (int t = 0; t < ids.Length; t++)
            for (int c = 0; c < dim; c++)
                y[t * dim + c] = scale * table[ids[t] * dim + c];
        return y;
    }

    public static double[] Backward(double[] dy, int[] ids, int vocab, int dim, double scale)
    {
        var dtable = new double[vocab * dim];
        for (int t = 0; t < ids.Length; t++)
            for (int c = 0; c < dim; c++)
                dtable[ids[t] * dim + c] += scale * dy[t * dim + c];
        return dtable;
    }
}
