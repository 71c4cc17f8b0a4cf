namespace Tips.Kernels;

// Patch extraction for the stride-P patch-embedding conv.
// image (B, H, W, 3) channels-last; patches (B * H/P * W/P, 3 * P * P), columns (channel, ky, kx).
public sealed partial class CpuBackend
{
    public void PatchifyForward(DeviceBuffer<float> image, DeviceBuffer<float> patches, int batch, int height, int width, int patch)
    {
        const string op = nameof(PatchifyForward);
        var (gh, gw) = PatchGrid(op, batch, height, width, patch);
        var ib = Need(image, (long)batch * height * width * 3, op, "image");
        var pb = Need(patches, (long)batch * gh * gw * 3 * patch * patch, op, "patches");
        int cols = 3 * patch * patch;
        CpuRows.For(batch * gh * gw, cols, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                int b = p / (gh * gw), gy = p / gw % gh, gx = p % gw;
                var dst = pb.Array.AsSpan(pb.Offset + p * cols, cols);
                for (int ky = 0; ky < patch; ky++)
                {
                    int src = ib.Offset + ((b * height + gy * patch + ky) * width + gx * patch) * 3;
                    for (int kx = 0; kx < patch; kx++)
                        for (int c = 0; c < 3; c++)
                            dst[(c * patch + ky) * patch + kx] = ib.Array[src + kx * 3 + c];
                }
            }
        });
    }

    public void PatchifyBackward(DeviceBuffer<float> dpatches, DeviceBuffer<float> dimage, int batch, int height, int width, int patch)
    {
        const string op = nameof(PatchifyBackward);
        var (gh, gw) = PatchGrid(op, batch, height, width, patch);
        var pb = Need(dpatches, (long)batch * gh * gw * 3 * patch * patch, op, "dpatches");
        var ib = Need(dimage, (long)batch * height * width * 3, op, "dimage");
        int cols = 3 * patch * patch;
        // Patches tile the image without overlap: each patch owns its pixels, so patches run in parallel.
        CpuRows.For(batch * gh * gw, cols, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                int b = p / (gh * gw), gy = p / gw % gh, gx = p % gw;
                var src = pb.Array.AsSpan(pb.Offset + p * cols, cols);
                for (int ky = 0; ky < patch; ky++)
                {
                    int dst = ib.Offset + ((b * height + gy * patch + ky) * width + gx * patch) * 3;
                    for (int kx = 0; kx < patch; kx++)
                        for (int c = 0; c < 3; c++)
                            ib.Array[dst + kx * 3 + c] += src[(c * patch + ky) * patch + kx];
                }
            }
        });
    }

    private static (int GridH, int GridW) PatchGrid(string op, int batch, int height, int width, int patch)
    {
        CpuRows.CheckDims(op, batch, height, width);
        if (patch <= 0 || height % patch != 0 || width % patch != 0)
            throw new BackendException($"{op}: image {height}x{width} is not a whole number of {patch}x{patch} patches");
        return (height / patch, width / patch);
    }
}
