namespace Tips.Tests.Kernels;

public abstract partial class IlgpuKernelTests
{
    [Fact]
    public void EmbeddingGatherScatter()
    {
        const int vocab = 6, dim = 5, count = 7;
        var table = Rand(vocab * dim, 90);
        int[] ids = [3, 0, 5, 3, 3, 1, 0];
        using var tb = Up(table);
        using var ib = UpInt(ids);
        using var y = Poisoned(count * dim);
        B.EmbeddingForward(tb, ib, y, count, dim, 2f);
        Close(Down(y), Enumerable.Range(0, count * dim).Select(i => 2.0 * table[ids[i / dim] * dim + i % dim]).ToArray(), 0, 1e-7, "embedding");

        var dy = Rand(count * dim, 91);
        var d0 = Rand(vocab * dim, 92);
        using var db = Up(d0);
        B.EmbeddingBackward(Up(dy), ib, db, count, dim, 0.5f);
        var want = new double[vocab * dim];
        for (int t = 0; t < count; t++)
            for (int d = 0; d < dim; d++) want[ids[t] * dim + d] += 0.5 * dy[t * dim + d];
        Close(Added(Down(db), d0), want, 1e-6, 1e-5, "embedding scatter-add");
    }

    [Fact]
    public void PatchifyRoundTrip()
    {
        const int batch = 2, height = 6, width = 4, p = 2;
        var img = Rand(batch * height * width * 3, 93);
        using var ib = Up(img);
        using var patches = Poisoned(img.Length);
        B.PatchifyForward(ib, patches, batch, height, width, p);
        var want = new double[img.Length];
        int gw = width / p, gh = height / p;
        for (int b = 0; b < batch; b++)
            for (int gy = 0; gy < gh; gy++)
                for (int gx = 0; gx < gw; gx++)
                    for (int c = 0; c < 3; c++)
                        for (int ky = 0; ky < p; ky++)
                            for (int kx = 0; kx < p; kx++)
                            {
                                int row = (b * gh + gy) * gw + gx, col = (c * p + ky) * p + kx;
                                want[row * 3 * p * p + col] = img[((b * height + gy * p + ky) * width + gx * p + kx) * 3 + c];
                            }
        Close(Down(patches), want, 0, 0, "patchify");

        var dp = Rand(img.Length, 94);
        var d0 = Rand(img.Length, 95);
        using var db = Up(d0);
        B.PatchifyBackward(Up(dp), db, batch, height, width, p);
        // The inverse scatter is the transpose of a permutation: <patchify(x), dp> = <x, dx> for every x.
        var dx = Added(Down(db), d0);
        double lhs = 0, rhs = 0;
        for (int i = 0; i < img.Length; i++)
        {
            lhs += want[i] * dp[i];
            rhs += (double)img[i] * dx[i];
        }
        Assert.Equal(lhs, rhs, 4);
        Assert.Throws<Tips.Kernels.BackendException>(() => B.PatchifyForward(ib, patches, batch, 5, width, p));
    }

    /// <summary>PyTorch's antialiased bilinear weights of one axis (align_corners=False), in float64.</summary>
    private static double[,] ResizeMatrix(int inSize, int outSize)
    {
        var w = new double[outSize, inSize];
        double scale = (double)inSize / outSize, support = scale >= 1 ? scale : 1, inv = scale >= 1 ? 1 / scale : 1;
        for (int o = 0; o < outSize; o++)
        {
            double center = scale * (o + 0.5);
            int lo = Math.Max((int)(center - support + 0.5), 0), hi = Math.Min((int)(center + support + 0.5), inSize);
            double total = 0;
            for (int j = lo; j < hi; j++) total += w[o, j] = Math.Max(0, 1 - Math.Abs((j - center + 0.5) * inv));
            for (int j = lo; j < hi; j++) w[o, j] /= total;
        }
        return w;
    }

    [Theory]
    [InlineData(9, 7, 4, 3)]   // downsample, non-integer factors
    [InlineData(3, 4, 5, 7)]   // upsample
    public void ResizeMatchesReference(int inH, int inW, int outH, int outW)
    {
        const int batch = 2, ch = 3;
        var x = Rand(batch * inH * inW * ch, 96);
        var wy = ResizeMatrix(inH, outH);
        var wx = ResizeMatrix(inW, outW);
        var want = new double[batch * outH * outW * ch];
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                    for (int c = 0; c < ch; c++)
                    {
                        double s = 0;
                        for (int iy = 0; iy < inH; iy++)
                            for (int ix = 0; ix < inW; ix++)
                                s += wy[oy, iy] * wx[ox, ix] * x[((b * inH + iy) * inW + ix) * ch + c];
                        want[((b * outH + oy) * outW + ox) * ch + c] = s;
                    }
        using var xb = Up(x);
        using var y = Poisoned(want.Length);
        B.ResizeForward(xb, y, batch, inH, inW, outH, outW, ch);
        Close(Down(y), want, 1e-6, 1e-5, "resize");

        var dy = Rand(want.Length, 97);
        var d0 = Rand(x.Length, 98);
        using var db = Up(d0);
        B.ResizeBackward(Up(dy), db, batch, inH, inW, outH, outW, ch);
        var dx = new double[x.Length];
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                    for (int c = 0; c < ch; c++)
                        for (int iy = 0; iy < inH; iy++)
                            for (int ix = 0; ix < inW; ix++)
                                dx[((b * inH + iy) * inW + ix) * ch + c] += wy[oy, iy] * wx[ox, ix] * dy[((b * outH + oy) * outW + ox) * ch + c];
        Close(Added(Down(db), d0), dx, 1e-5, 1e-4, "resize backward");
    }

    /// <summary>A value worked out by hand from PyTorch's filter: 4 -> 2 taps 0..2 with weights 3/7, 3/7, 1/7.</summary>
    [Fact]
    public void ResizeKnownValue()
    {
        using var x = Up([0f, 1f, 2f, 3f]);
        using var y = Poisoned(2);
        B.ResizeForward(x, y, 1, 1, 4, 1, 2, 1);
        Close(Down(y), [5.0 / 7, 16.0 / 7], 1e-6, 1e-6, "4 -> 2");
    }
}
