using Tips.Model;
using Tips.Model.Checkpoints;

namespace Tips.Train.Cli;

/// <summary>tips embed: batched, resumable CLS1/CLS2 embedding of an image folder.</summary>
internal static class EmbedCommand
{
    public static readonly CommandSpec Spec = new("embed", "embed a folder of images (batched, resumable)", """
        usage: tips embed --vision V --images DIR --out EMBEDDINGS.npz [--batch N] [--size HxW]
                          [--variant B | --config C.json] [--device D]

        Encodes every file in DIR (sorted by name; hidden files ignored) in batches of N (default 8) and writes
        cls1 (n, D) and cls2 (n, D), raw, to OUT, and the file names in row order to OUT.files.txt. Unreadable
        files are skipped and listed. Each finished batch is saved (atomically) in the folder OUT.partial: an
        interrupted run started again continues there without redoing finished files; the folder is removed at
        the end. Progress is shown on stderr.

        example:
          tips embed --vision weights/tips_oss_b14_highres_distilled_vision.npz --images photos/ --out photos.npz --batch 16
        """,
        ["--vision", "--images", "--out", "--batch", "--size", "--variant", "--config"], [], Run);

    private static int Run(Args args, CliContext io)
    {
        int batch = args.Int("--batch", 8, 1, 4096);
        var size = args.Size("--size");
        var output = CliFiles.Output(args, "--out");
        var listing = CliFiles.CheckOutput(output + ".files.txt", "--out");
        var dir = CliFiles.InputDirectory(args, "--images");
        var sidecarPath = EmbedSidecar.PathFor(output);
        var ours = new[] { output, listing, sidecarPath }.Select(Path.GetFullPath).ToHashSet();
        var files = ImageFolder.List(dir).Where(f => !ours.Contains(Path.GetFullPath(f))).ToArray();
        if (files.Length == 0) throw new TipsException($"{dir}: no files to embed");

        using var tips = CliFiles.Load(args, "--vision", null, tokenizer: false);
        CliFiles.CheckSize(args, tips, size);
        var (h, w) = size ?? (tips.NativeSize, tips.NativeSize);
        var vision = args.Required("--vision");
        var sidecar = EmbedSidecar.Open(sidecarPath, Identity(vision, h, w), tips.Width);
        var finished = sidecar.Names.ToHashSet(StringComparer.Ordinal);
        var todo = files.Where(f => !finished.Contains(Path.GetFileName(f))).ToArray();
        int resumed = files.Length - todo.Length;

        var skipped = new List<string>();
        var progress = new ProgressBar(io.Err, files.Length, resumed);
        foreach (var chunk in todo.Chunk(batch))
        {
            var loaded = ImageFolder.Decode(chunk, io.Err, skipped);
            if (loaded.Count > 0)
            {
                var f = tips.EncodeImages(loaded.Select(l => tips.Prepare(l.Image, (h, w))).ToArray(), names: loaded.Select(l => l.Path).ToArray());
                for (int i = 0; i < loaded.Count; i++)
                    sidecar.Add(Path.GetFileName(loaded[i].Path), f.Cls1.AsSpan(i * f.Width, f.Width), f.Cls2.AsSpan(i * f.Width, f.Width));
                sidecar.Save();
            }
            progress.Advance(chunk.Length);
        }

        var rowOf = sidecar.Names.Select((n, i) => (n, i)).ToDictionary(t => t.n, t => t.i, StringComparer.Ordinal);
        var order = files.Select(Path.GetFileName).Where(n => rowOf.ContainsKey(n!)).ToArray();
        if (order.Length == 0) throw new TipsException($"{dir}: none of the {files.Length} files could be read as an image");
        int d = tips.Width;
        var cls1 = new float[order.Length * d];
        var cls2 = new float[order.Length * d];
        for (int r = 0; r < order.Length; r++)
        {
            var (a, b) = sidecar.Row(rowOf[order[r]!]);
            a.CopyTo(cls1, r * d);
            b.CopyTo(cls2, r * d);
        }
        new StateDict(output)
        {
            { "cls1", NdArray.FromFloats(cls1, [order.Length, d]) },
            { "cls2", NdArray.FromFloats(cls2, [order.Length, d]) },
        }.SaveNpz(output);
        CliFiles.WriteText(listing, string.Concat(order.Select(n => n + "\n")));
        sidecar.Delete();
        io.Out.WriteLine($"embedded {todo.Length - skipped.Count} new, {resumed} resumed, {skipped.Count} skipped -> {output} ({order.Length} rows), {listing}");
        foreach (var s in skipped) io.Out.WriteLine($"skipped: {Path.GetFileName(s)}");
        return 0;
    }

    /// <summary>What must not change between a run and its resumption: the checkpoint (name, size) and the input size.</summary>
    internal static string Identity(string vision, int height, int width) =>
        $"{Path.GetFileName(vision)} ({new FileInfo(vision).Length} bytes) at {height}x{width}";
}
