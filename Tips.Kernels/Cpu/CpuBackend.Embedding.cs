namespace Tips.Kernels;

// Token embedding lookup: table (V, dim), ids (count), y (count, dim).
public sealed partial class CpuBackend
{
    public void EmbeddingForward(DeviceBuffer<float> table, DeviceBuffer<int> ids, DeviceBuffer<float> y, int count, int dim, float scale)
    {
        const string op = nameof(EmbeddingForward);
        CpuRows.CheckDims(op, count, dim);
        var tb = Own(table);
        var ib = Need(ids, count, op, "ids");
        var yb = Need(y, (long)count * dim, op, "y");
        CheckIds(op, tb, ib, count, dim);
        CpuRows.For(count, dim, (t0, t1) =>
        {
            for (int t = t0; t < t1; t++)
            {
                var row = tb.Array.AsSpan(tb.Offset + ib.Array[ib.Offset + t] * dim, dim);
                var ys = yb.Array.AsSpan(yb.Offset + t * dim, dim);
                for (int c = 0; c < dim; c++) ys[c] = scale * row[c];
            }
        });
    }

    public void EmbeddingBackward(DeviceBuffer<float> dy, DeviceBuffer<int> ids, DeviceBuffer<float> dtable, int count, int dim, float scale)
    {
        const string op = nameof(EmbeddingBackward);
        CpuRows.CheckDims(op, count, dim);
        var dyb = Need(dy, (long)count * dim, op, "dy");
        var ib = Need(ids, count, op, "ids");
        var tb = Own(dtable);
        CheckIds(op, tb, ib, count, dim);
        // Repeated ids hit the same table row, so tokens are not split across threads; columns are.
        const int colBlock = 256;
        int blocks = (dim + colBlock - 1) / colBlock;
        CpuRows.For(blocks, (long)count * colBlock, (b0, b1) =>
        {
            int c0 = b0 * colBlock, c1 = Math.Min(dim, b1 * colBlock);
            for (int t = 0; t < count; t++)
            {
                var dys = dyb.Array.AsSpan(dyb.Offset + t * dim + c0, c1 - c0);
                var row = tb.Array.AsSpan(tb.Offset + ib.Array[ib.Offset + t] * dim + c0, c1 - c0);
                CpuSimd.Axpy(scale, dys, row);
            }
        });
    }

    /// <summary>Validates every id against the table's row count.</summary>
    private static void CheckIds(string op, CpuBuffer<float> table, CpuBuffer<int> ids, int count, int dim)
    {
        long vocab = dim == 0 ? 0 : table.Length / dim;
        var s = ids.Array.AsSpan(ids.Offset, count);
        for (int t = 0; t < count; t++)
            if (s[t] < 0 || s[t] >= vocab)
                throw new BackendException($"{op}: id {s[t]} at position {t} outside the table of {vocab} rows");
    }
}
