using Tips.Model;

namespace Tips.Train.Cli;

/// <summary>tips similarity: a cosine table of images (rows) against texts (columns).</summary>
internal static class SimilarityCommand
{
    public static readonly CommandSpec Spec = new("similarity", "cosine table of image(s) vs text(s)", """
        usage: tips similarity --vision V --text T --tokenizer M --image IMG [--image ...]
                               (--query S)... [--texts-file F] [--cls 1|2] [--variant B | --config C.json] [--device D]

        Prints cos(CLS, text) for every image (rows) and text (columns); --cls 1 (default, alt-text) or 2
        (synthetic captions) picks the image embedding.

        example:
          tips similarity --vision v.npz --text t.npz --tokenizer tokenizer.model --image cat.jpg --image dog.jpg \
                          --query "a cat" --query "a dog"
        """,
        ["--vision", "--text", "--tokenizer", "--texts-file", "--cls", "--variant", "--config"], ["--image", "--query"], Run);

    private static int Run(Args args, CliContext io)
    {
        var texts = CliFiles.Texts(args, "--query", "--texts-file");
        bool cls2 = args.Choice("--cls", "1", "2") == "2";
        var images = CliFiles.Images(args);
        using var tips = CliFiles.Load(args, "--vision", "--text", tokenizer: true);
        var f = tips.EncodeImages(images.Select(i => tips.Prepare(i.Image)).ToArray(), names: images.Select(i => i.Path).ToArray());
        var cos = Embeddings.Cosine(cls2 ? f.Cls2 : f.Cls1, tips.EncodeText(texts).Embeddings, tips.Width);
        for (int j = 0; j < texts.Count; j++) io.Out.WriteLine($"[{j}] {texts[j]}");
        io.Out.WriteLine(string.Join("  ", ["image".PadRight(24), .. texts.Select((_, j) => $"[{j}]".PadLeft(8))]));
        for (int i = 0; i < images.Count; i++)
            io.Out.WriteLine(string.Join("  ", [Path.GetFileName(images[i].Path).PadRight(24), .. cos[i].Select(c => c.ToString("F4").PadLeft(8))]));
        return 0;
    }
}
