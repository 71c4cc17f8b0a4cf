using Tips.Model;
using Tips.Model.Images;

namespace Tips.Train.Cli;

/// <summary>tips pca: 3-component PCA of patch tokens as RGB, beside each input image.</summary>
internal static class PcaCommand
{
    public static readonly CommandSpec Spec = new("pca", "PCA map of patch tokens (PNG beside the image)", """
        usage: tips pca --vision V --image IMG [--image ...] --out MAP.png [--color sigmoid|minmax] [--size HxW]
                        [--variant B | --config C.json] [--device D]

        Fits a 3-component PCA of the patch tokens of all given images together; components become R, G, B via
        sigmoid(2 z) of the standardised scores (default) or min-max normalisation; the map is upsampled (nearest)
        to the image's size and written beside it. Several images give one row each in the PNG.

        example:
          tips pca --vision weights/tips_oss_b14_highres_distilled_vision.npz --image dog.jpg --out dog_pca.png
        """,
        ["--vision", "--out", "--color", "--size", "--variant", "--config"], ["--image"], Run);

    private static int Run(Args args, CliContext io)
    {
        var color = args.Choice("--color", "sigmoid", "minmax") == "sigmoid" ? PcaColor.Sigmoid : PcaColor.MinMax;
        var size = args.Size("--size");
        var output = CliFiles.Output(args, "--out");
        var images = CliFiles.Images(args);
        using var tips = CliFiles.Load(args, "--vision", null, tokenizer: false);
        CliFiles.CheckSize(args, tips, size);
        var features = images.Select(i => tips.EncodeImage(i.Image, size)).ToArray();
        var pca = PatchPca.Fit(features, color);
        int width = images.Max(i => i.Image.Width) * 2, height = images.Sum(i => i.Image.Height);
        var pixels = new float[height * width * 3];
        Array.Fill(pixels, 1f);
        int top = 0;
        for (int n = 0; n < images.Count; n++)
        {
            var img = images[n].Image;
            var map = pca.Maps[n].Upsample(img.Height, img.Width);
            for (int y = 0; y < img.Height; y++)
            {
                Array.Copy(img.Pixels, y * img.Width * 3, pixels, (top + y) * width * 3, img.Width * 3);
                Array.Copy(map.Pixels, y * img.Width * 3, pixels, ((top + y) * width + img.Width) * 3, img.Width * 3);
            }
            top += img.Height;
        }
        PngWriter.WriteRgb(output, new RgbImage(height, width, pixels));
        io.Out.WriteLine($"PCA variances {string.Join(", ", pca.Variances.Select(v => v.ToString("G4")))} -> {output}");
        return 0;
    }
}
