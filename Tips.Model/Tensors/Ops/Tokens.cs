namespace Tips.Model.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Concatenates token sequences along the token axis: parts (B or 1, n_i, D) to (B, sum n_i, D);
    /// a part with batch 1 (a learned token) is repeated over the batch.
    /// </summary>
    public static Tensor ConcatTokens(this Tape tape, int batch, params Tensor[] parts)
    {
        int width = parts[0].Shape[^1], tokens = 0;
        foreach (var p in parts)
        {
            if (p.Rank != 3 || p.Shape[2] != width || (p.Shape[0] != 1 && p.Shape[0] != batch))
                throw new TipsException($"concat: part {p} does not fit ({batch}, n, {width})");
            tokens += p.Shape[1];
        }
        bool track = false;
        foreach (var p in parts) track |= tape.Tracks(p);
        var y = tape.NewTensor([batch, tokens, width], track);
        var be = tape.Backend;
        long rowLen = (long)tokens * width;
        ForEachPart((p, b, src, dst, len) => be.Copy(p.Data.Slice(src, len), y.Data.Slice(dst, len)));
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            ForEachPart((p, b, src, dst, len) =>
            {
                if (p.RequiresGrad) be.Axpy(1f, dy.Slice(dst, len), p.EnsureGrad().Slice(src, len));
            });
        });
        return y;

        // (part, batch index, offset in the part, offset in y, length) for every contiguous piece.
        void ForEachPart(Action<Tensor, int, long, long, long> piece)
        {
            long start = 0;
            foreach (var p in parts)
            {
                long len = (long)p.Shape[1] * width;
                for (int b = 0; b < batch; b++)
                    piece(p, b, p.Shape[0] == 1 ? 0 : b * len, b * rowLen + start, len);
                start += len;
            }
        }
    }

    /// <summary>Tokens [start, start + count) of x (B, N, D) to (B, count, D).</summary>
    public static Tensor SliceTokens(this Tape tape, Tensor x, int start, int count)
    {
        if (x.Rank != 3 || start < 0 || count < 0 || start + count > x.Shape[1])
            throw new TipsException($"slice of tokens [{start}, {start + count}) outside {x}");
        int batch = x.Shape[0], tokens = x.Shape[1], width = x.Shape[2];
        bool track = tape.Tracks(x);
        var y = tape.NewTensor([batch, count, width], track);
        var be = tape.Backend;
        be.Copy2D(x.Data.Slice((long)start * width, x.Length - (long)start * width), tokens * width,
            y.Data, count * width, batch, count * width);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            var dx = x.EnsureGrad();
            long len = (long)count * width;
            for (int b = 0; b < batch; b++)
                be.Axpy(1f, dy.Slice(b * len, len), dx.Slice(((long)b * tokens + start) * width, len));
        });
        return y;
    }
}
