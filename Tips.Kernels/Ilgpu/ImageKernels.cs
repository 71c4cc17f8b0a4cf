using ILGPU;
using ILGPU.Algorithms;

namespace Tips.Kernels;

/// <summary>
/// Embedding gather/scatter, patch extraction and the antialiased bilinear resize.
/// Legend: B batch, H/W image height/width, C channels (channels-last), P patch size.
/// </summary>
internal static class ImageKernels
{
    /// <summary>Records the first id outside the table in status (flag, id, position) for the host to report.</summary>
    private static bool CheckId(ArrayView<int> status, int id, int position, int vocab)
    {
        if (id >= 0 && id < vocab) return true;
        if (Atomic.CompareExchange(ref status[0], 0, 1) == 0)
        {
            status[1] = id;
            status[2] = position;
        }
        return false;
    }

    public static void EmbeddingForward(Index2D i, ArrayView<float> table, ArrayView<int> ids, ArrayView<float> y,
        ArrayView<int> status, int dim, int vocab, float scale)
    {
        int id = ids[i.Y];
        y[(long)i.Y * dim + i.X] = CheckId(status, id, i.Y, vocab) ? scale * table[(long)id * dim + i.X] : float.NaN;
    }

    public static void EmbeddingBackward(Index2D i, ArrayView<float> dy, ArrayView<int> ids, ArrayView<float> dtable,
        ArrayView<int> status, int dim, int vocab, float scale)
    {
        int id = ids[i.Y];
        if (CheckId(status, id, i.Y, vocab)) Atomic.Add(ref dtable[(long)id * dim + i.X], scale * dy[(long)i.Y * dim + i.X]);
    }

    /// <summary>Image index of patch element i (patch row, column (channel, ky, kx)) of a (B, H, W, 3) image.</summary>
    private static long PatchSource(long i, int height, int width, int patch)
    {
        int pp = patch * patch;
        int cols = 3 * pp;
        long row = i / cols;
        int col = (int)(i % cols);
        int ch = col / pp, ky = col % pp / patch, kx = col % patch;
        int gw = width / patch, gh = height / patch;
        long b = row / (gh * gw);
        int cell = (int)(row % (gh * gw));
        int y = cell / gw * patch + ky, x = cell % gw * patch + kx;
        return ((b * height + y) * width + x) * 3 + ch;
    }

    public static void PatchifyForward(Index1D i, ArrayView<float> image, ArrayView<float> patches, int height, int width, int patch) =>
        patches[i] = image[PatchSource(i, height, width, patch)];

    /// <summary>Each pixel lies in at most one patch, so the scatter needs no atomics.</summary>
    public static void PatchifyBackward(Index1D i, ArrayView<float> dpatches, ArrayView<float> dimage, int height, int width, int patch) =>
        dimage[PatchSource(i, height, width, patch)] += dpatches[i];

    /// <summary>
    /// The input taps of output o along one axis, as PyTorch's antialiased bilinear (align_corners=False):
    /// scale = in / out; when downsampling the triangle filter widens to the scale (support = scale).
    /// </summary>
    private static Window AxisWindow(int o, int inSize, int outSize)
    {
        float scale = (float)inSize / outSize;
        float support = scale >= 1f ? scale : 1f;
        float center = scale * (o + 0.5f);
        int lo = XMath.Max((int)(center - support + 0.5f), 0);
        int hi = XMath.Min((int)(center + support + 0.5f), inSize);
        var w = new Window { Lo = lo, Count = hi - lo, Center = center, InvScale = scale >= 1f ? 1f / scale : 1f };
        float total = 0f;
        for (int j = 0; j < w.Count; j++) total += Tap(w, j);
        w.Norm = total > 0f ? 1f / total : 0f;
        return w;
    }

    private static float Tap(Window w, int j)
    {
        float x = XMath.Abs((j + w.Lo - w.Center + 0.5f) * w.InvScale);
        return x < 1f ? 1f - x : 0f;
    }

    private struct Window
    {
        public int Lo, Count;
        public float Center, InvScale, Norm;
    }

    /// <summary>One thread per output element (b, oy, ox, c), the 2D window as the product of both axes' taps.</summary>
    public static void ResizeForward(Index1D i, ArrayView<float> x, ArrayView<float> y, ResizeParams p)
    {
        int c = i % p.Channels;
        int rest = i / p.Channels;
        int ox = rest % p.OutW;
        rest /= p.OutW;
        int oy = rest % p.OutH;
        int b = rest / p.OutH;
        var wy = AxisWindow(oy, p.InH, p.OutH);
        var wx = AxisWindow(ox, p.InW, p.OutW);
        float acc = 0f;
        for (int u = 0; u < wy.Count; u++)
        {
            float fy = Tap(wy, u) * wy.Norm;
            long rowAt = ((long)b * p.InH + wy.Lo + u) * p.InW;
            float racc = 0f;
            for (int v = 0; v < wx.Count; v++) racc += Tap(wx, v) * x[(rowAt + wx.Lo + v) * p.Channels + c];
            acc += fy * racc * wx.Norm;
        }
        y[i] = acc;
    }

    /// <summary>dx += R^T dy: each output element scatters its gradient to its taps with atomics.</summary>
    public static void ResizeBackward(Index1D i, ArrayView<float> dy, ArrayView<float> dx, ResizeParams p)
    {
        int c = i % p.Channels;
        int rest = i / p.Channels;
        int ox = rest % p.OutW;
        rest /= p.OutW;
        int oy = rest % p.OutH;
        int b = rest / p.OutH;
        var wy = AxisWindow(oy, p.InH, p.OutH);
        var wx = AxisWindow(ox, p.InW, p.OutW);
        float g = dy[i] * wy.Norm * wx.Norm;
        for (int u = 0; u < wy.Count; u++)
        {
            float gy = g * Tap(wy, u);
            long rowAt = ((long)b * p.InH + wy.Lo + u) * p.InW;
            for (int v = 0; v < wx.Count; v++)
                Atomic.Add(ref dx[(rowAt + wx.Lo + v) * p.Channels + c], gy * Tap(wx, v));
        }
    }
}

internal struct ResizeParams
{
    public int InH, InW, OutH, OutW, Channels;
}
