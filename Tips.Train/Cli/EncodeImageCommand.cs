using Tips.Model.Checkpoints;
using Tips.Model.Images;

namespace Tips.Train.Cli;

/// <summary>tips encode-image: raw cls1, cls2 and patch tokens of one or more images, as one npz.</summary>
internal static class EncodeImageCommand
{
    public static readonly CommandSpec Spec = new("encode-image", "image(s) -> cls1, cls2, patch_tokens (npz)", """
        usage: tips encode-image --checkpoint V.npz (--variant B | --config C.json) --image IMG [--image IMG2 ...]
                                 [--size HxW] [--device D] --out OUT.npz

        Writes cls1 (B, D), cls2 (B, D) and patch_tokens (B, h, w, D) float32, raw (final norm, not L2-normalised).
        Images are squashed to --size (default: the checkpoint's native size, pos_grid * 14, 448 for the releases);
        an image already at that size is used as is (pixels / 255). Heads come from --config, --variant, or are
        recognised from the shapes of an official checkpoint.

        examples:
          tips encode-image --checkpoint weights/tips_oss_b14_highres_distilled_vision.npz --image cat.jpg --out cat.npz
          tips encode-image --checkpoint v.npz --config tiny.json --image a.png --image b.png --size 42x70 --out ab.npz
        """,
        ["--checkpoint", "--variant", "--config", "--size", "--out"], ["--image"], Run);

    private static int Run(Args args, CliContext io)
    {
        var size = args.Size("--size");
        var output = CliFiles.Output(args, "--out");
        var images = CliFiles.Images(args);
        using var tips = CliFiles.Load(args, "--checkpoint", null, tokenizer: false);
        CliFiles.CheckSize(args, tips, size);
        var prepared = images.Select(i => tips.Prepare(i.Image, size)).ToArray();
        var f = tips.EncodeImages(prepared, names: images.Select(i => i.Path).ToArray());
        new StateDict(output)
        {
            { "cls1", CliFiles.Floats(f.Cls1, f.Batch, f.Width) },
            { "cls2", CliFiles.Floats(f.Cls2, f.Batch, f.Width) },
            { "patch_tokens", CliFiles.Floats(f.PatchTokens, f.Batch, f.GridHeight, f.GridWidth, f.Width) },
        }.SaveNpz(output);
        io.Out.WriteLine($"encoded {f.Batch} image(s) at {prepared[0].Height}x{prepared[0].Width} on {tips.BackendName} -> {output}");
        return 0;
    }
}
