using Tips.Kernels;

namespace Tips.Model.Tensors;

public static partial class Ops
{
    /// <summary>y[t] = scale * table[ids[t]]: table (V, D), ids (count) to (count, D).</summary>
    public static Tensor Embedding(this Tape tape, Tensor table, DeviceBuffer<int> ids, float scale)
    {
        int count = (int)ids.Length, dim = table.Shape[^1];
        bool track = tape.Tracks(table);
        var y = tape.NewTensor([count, dim], track);
        var be = tape.Backend;
        be.EmbeddingForward(table.Data, ids, y.Data, count, dim, scale);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            be.EmbeddingBackward(dy, ids, table.EnsureGrad(), count, dim, scale);
        });
        return y;
    }
}
