using Tips.Model;
using Tips.Model.Images;

namespace Tips.Train.Cli;

/// <summary>tips segment: the released zero-shot segmentation recipe, as a colour overlay with a legend and a label map.</summary>
internal static class SegmentCommand
{
    public static readonly CommandSpec Spec = new("segment", "zero-shot segmentation (overlay + label map)", """
        usage: tips segment --vision V --text T --tokenizer M --image IMG (--labels "sky,tree,road" | --labels-file F)
                            --out SEG.png [--out-labels LABELS.png] [--size S] [--variant B | --config C.json] [--device D]

        The TIPSv2 recipe: each class embedding is the renormalised mean of 9 prompt embeddings ("itap of a {}.",
        ...); the image's short side is resized to S (default: the native size, 448 for the releases); windows of
        the native size slide with stride 3/4 of it; the last block uses the value path only; patch cosines vs the
        classes are upsampled bilinearly, softmaxed over classes and averaged over windows; argmax per pixel.
        Writes the image with a colour overlay and a legend panel to --out, and the class index of every pixel
        (label order, 8-bit greyscale PNG at the input size) to --out-labels (default <out>.labels.png).

        example:
          tips segment --vision v.npz --text t.npz --tokenizer tokenizer.model --image street.jpg \
                       --labels "sky,tree,road,car,person" --out street_seg.png
        """,
        ["--vision", "--text", "--tokenizer", "--image", "--labels", "--labels-file", "--out", "--out-labels", "--size", "--variant", "--config"],
        [], Run);

    private static int Run(Args args, CliContext io)
    {
        var labels = CliFiles.Labels(args);
        if (labels.Length > 256) throw new UsageException($"segment: at most 256 labels fit the 8-bit label map, got {labels.Length}");
        int? size = args.Has("--size") ? args.Int("--size", 0, 1, 8192) : null;
        var output = CliFiles.Output(args, "--out");
        var labelsOut = CliFiles.CheckOutput(args.Optional("--out-labels") ?? Path.ChangeExtension(output, null) + ".labels.png", "--out-labels");
        var imagePath = CliFiles.InputFile(args, "--image");
        var image = ImageLoader.Load(imagePath);
        using var tips = CliFiles.Load(args, "--vision", "--text", tokenizer: true);
        if (size < tips.PatchSize) throw new UsageException($"segment: --size {size} is smaller than the patch size {tips.PatchSize}");
        var seg = tips.Segment(image, labels, size);
        PngWriter.WriteRgb(output, Overlay.Draw(image, seg));
        PngWriter.WriteGray(labelsOut, seg.Labels, seg.Height, seg.Width);
        var counts = new int[labels.Length];
        foreach (var l in seg.Labels) counts[l]++;
        for (int c = 0; c < labels.Length; c++) io.Out.WriteLine($"{c,3}  {100.0 * counts[c] / seg.Labels.Length,6:F2}%  {labels[c]}");
        io.Out.WriteLine($"-> {output}, {labelsOut}");
        return 0;
    }
}
