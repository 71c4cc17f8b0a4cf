namespace Tips.Tests.Reference;

/// <summary>
/// Float64 patch extraction written as the stride-P convolution's input gather: patch (b, gy, gx), column
/// (c, ky, kx) reads image (b, gy * P + ky, gx * P + kx, c) of the channels-last (B, H, W, 3) image.
/// </summary>
public static class RefPatchify
{
    public static double[] Forward(double[] image, int batch, int height, int width, int p)
    {
        int gh = height / p, gw = width / p;
        var patches = new double[batch * gh * gw * 3 * p * p];
        foreach (var (dst, src) in Pairs(batch, height, width, p)) patches[dst] = image[src];
        return patches;
    }

    public static double[] Backward(double[] dpatches, int batch, int height, int width, int p)
    {
        var dimage = new double[batch * height * width * 3];
        foreach (var (dst, src) in Pairs(batch, height, width, p)) dimage[src] += dpatches[dst];
        return dimage;
    }

    /// <summary>(patch element index, image element index) pairs.</summary>
    private static IEnumerable<(int Patch, int Image)> Pairs(int batch, int height, int width, int p)
    {
        int gh = height / p, gw = width / p;
        for (int b = 0; b < batch; b++)
            for (int gy = 0; gy < gh; gy++)
                for (int gx = 0; gx < gw; gx++)
                    for (int c = 0; c < 3; c++)
                        for (int ky = 0; ky < p; ky++)
                            for (int kx = 0; kx < p; kx++)
                            {
                                int row = (b * gh + gy) * gw + gx;
                                int col = (c * p + ky) * p + kx;
                                yield return (row * 3 * p * p + col, ((b * height + gy * p + ky) * width + gx * p + kx) * 3 + c);
                            }
    }
}
