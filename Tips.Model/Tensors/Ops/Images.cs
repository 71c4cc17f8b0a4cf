namespace Tips.Model.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Patches of a channels-last image batch (B, H, W, 3) for a stride-P conv: (B, H/P, W/P, 3*P*P), columns
    /// ordered (channel, ky, kx) as a PyTorch Conv2d weight, so the conv is a <see cref="Linear"/>.
    /// </summary>
    public static Tensor Patchify(this Tape tape, Tensor image, int patch)
    {
        if (image.Rank != 4 || image.Shape[3] != 3 || image.Shape[1] % patch != 0 || image.Shape[2] % patch != 0
            || image.Shape[1] == 0 || image.Shape[2] == 0)
            throw new TipsException($"image {image} is not (B, H, W, 3) with H and W positive multiples of {patch}");
        int batch = image.Shape[0], height = image.Shape[1], width = image.Shape[2];
        bool track = tape.Tracks(image);
        var y = tape.NewTensor([batch, height / patch, width / patch, 3 * patch * patch], track);
        var be = tape.Backend;
        be.PatchifyForward(image.Data, y.Data, batch, height, width, patch);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            be.PatchifyBackward(dy, image.EnsureGrad(), batch, height, width, patch);
        });
        return y;
    }

    /// <summary>
    /// Antialiased bilinear resize (PyTorch interpolate(mode='bilinear', antialias=True, align_corners=False))
    /// of a channels-last grid (B, Hin, Win, C) to (B, outH, outW, C).
    /// </summary>
    public static Tensor Resize(this Tape tape, Tensor x, int outH, int outW)
    {
        if (x.Rank != 4 || outH <= 0 || outW <= 0) throw new TipsException($"resize of {x} to {outH}x{outW}");
        int batch = x.Shape[0], inH = x.Shape[1], inW = x.Shape[2], channels = x.Shape[3];
        bool track = tape.Tracks(x);
        var y = tape.NewTensor([batch, outH, outW, channels], track);
        var be = tape.Backend;
        be.ResizeForward(x.Data, y.Data, batch, inH, inW, outH, outW, channels);
        if (!track) return y;

        tape.Record(y, () =>
        {
            if (y.Grad is not { } dy) return;
            be.ResizeBackward(dy, x.EnsureGrad(), batch, inH, inW, outH, outW, channels);
        });
        return y;
    }
}
