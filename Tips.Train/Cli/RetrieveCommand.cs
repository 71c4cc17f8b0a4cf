using Tips.Model;
using Tips.Model.Images;

namespace Tips.Train.Cli;

/// <summary>tips retrieve: rank a folder of images against a text query, or the texts of a file against an image.</summary>
internal static class RetrieveCommand
{
    public static readonly CommandSpec Spec = new("retrieve", "rank images for a text, or texts for an image", """
        usage: tips retrieve --vision V --text T --tokenizer M
                             (--images DIR --query S | --image IMG --texts-file F)
                             [--cls 1|2] [--top K] [--batch N] [--variant B | --config C.json] [--device D]

        Text -> images: every readable image in DIR (sorted by name; unreadable files are listed and skipped) is
        ranked by cos(CLS, query). Image -> texts: the lines of F are ranked against the image. --cls 1 (default)
        uses CLS1 (alt-text), 2 uses CLS2 (synthetic captions).

        examples:
          tips retrieve --vision v.npz --text t.npz --tokenizer tokenizer.model --images photos/ --query "a red car" --top 5
          tips retrieve --vision v.npz --text t.npz --tokenizer tokenizer.model --image cat.jpg --texts-file captions.txt --cls 2
        """,
        ["--vision", "--text", "--tokenizer", "--images", "--query", "--image", "--texts-file", "--cls", "--top", "--batch", "--variant", "--config"],
        [], Run);

    private static int Run(Args args, CliContext io)
    {
        bool toImages = args.Has("--images") || args.Has("--query");
        bool toTexts = args.Has("--image") || args.Has("--texts-file");
        if (toImages == toTexts) throw new UsageException("retrieve: give either --images DIR --query S, or --image IMG --texts-file F");
        bool cls2 = args.Choice("--cls", "1", "2") == "2";
        int top = args.Int("--top", 10, 1, int.MaxValue);
        int batch = args.Int("--batch", 8, 1, 4096);
        List<(string Name, double Score)> ranked;
        if (toImages)
        {
            var query = args.Required("--query");
            var files = ImageFolder.List(CliFiles.InputDirectory(args, "--images"));
            using var tips = CliFiles.Load(args, "--vision", "--text", tokenizer: true);
            var text = tips.EncodeText([query]).Embeddings;
            ranked = [];
            foreach (var chunk in files.Chunk(batch))
            {
                var loaded = ImageFolder.Decode(chunk, io.Err);
                if (loaded.Count == 0) continue;
                var f = tips.EncodeImages(loaded.Select(l => tips.Prepare(l.Image)).ToArray(), names: loaded.Select(l => l.Path).ToArray());
                var cos = Embeddings.Cosine(cls2 ? f.Cls2 : f.Cls1, text, tips.Width);
                ranked.AddRange(loaded.Select((l, i) => (Path.GetFileName(l.Path), cos[i][0])));
            }
            if (ranked.Count == 0) throw new TipsException($"{args.Optional("--images")}: none of the {files.Length} files could be read as an image");
        }
        else
        {
            var image = ImageLoader.Load(CliFiles.InputFile(args, "--image"));
            var texts = CliFiles.ReadLines(CliFiles.InputFile(args, "--texts-file"));
            if (texts.Length == 0) throw new TipsException($"{args.Optional("--texts-file")}: no texts");
            using var tips = CliFiles.Load(args, "--vision", "--text", tokenizer: true);
            var f = tips.EncodeImage(image);
            var cos = Embeddings.Cosine(cls2 ? f.Cls2 : f.Cls1, tips.EncodeText(texts).Embeddings, tips.Width);
            ranked = texts.Select((t, j) => (t, cos[0][j])).ToList();
        }
        int rank = 0;
        foreach (var (name, score) in ranked.OrderByDescending(r => r.Score).ThenBy(r => r.Name, StringComparer.Ordinal).Take(top))
            io.Out.WriteLine($"{++rank,4}  {score,8:F4}  {name}");
        return 0;
    }
}
