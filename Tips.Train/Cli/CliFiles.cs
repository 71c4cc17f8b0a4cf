using Tips.Kernels;
using Tips.Model;
using Tips.Model.Checkpoints;
using Tips.Model.Images;

namespace Tips.Train.Cli;

/// <summary>What the commands share: checked inputs, the model, texts and labels, outputs.</summary>
internal static class CliFiles
{
    /// <summary>The file named by <paramref name="flag"/>, which must exist and not be a directory.</summary>
    public static string InputFile(Args args, string flag) => CheckFile(args.Required(flag), flag);

    public static string CheckFile(string path, string what)
    {
        if (Directory.Exists(path)) throw new TipsException($"{what}: {path} is a directory, not a file");
        if (!File.Exists(path)) throw new TipsException($"{what}: {path}: no such file");
        return path;
    }

    public static string InputDirectory(Args args, string flag)
    {
        var path = args.Required(flag);
        if (File.Exists(path)) throw new TipsException($"{flag}: {path} is a file, not a directory");
        if (!Directory.Exists(path)) throw new TipsException($"{flag}: {path}: no such directory");
        return path;
    }

    /// <summary>An output path: its folder must exist and the path must not be a folder.</summary>
    public static string Output(Args args, string flag) => CheckOutput(args.Required(flag), flag);

    public static string CheckOutput(string path, string what)
    {
        if (Directory.Exists(path)) throw new TipsException($"{what}: {path} is a directory");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir)) throw new TipsException($"{what}: folder {dir} does not exist");
        return path;
    }

    /// <summary>
    /// Loads the towers named by the flags (null: not needed) with heads from --config, --variant or the shapes,
    /// on --device. Inputs are checked before the device starts.
    /// </summary>
    public static TipsPipeline Load(Args args, string? visionFlag, string? textFlag, bool tokenizer)
    {
        var device = args.Optional("--device") ?? "auto";
        if (!Backends.Names.Contains(device))
            throw new UsageException($"{args.Command}: --device must be one of {string.Join(", ", Backends.Names)}, got '{device}'");
        if (args.Has("--variant") && args.Has("--config")) throw new UsageException($"{args.Command}: give --variant or --config, not both");
        var vision = visionFlag is null ? null : InputFile(args, visionFlag);
        var text = textFlag is null ? null : InputFile(args, textFlag);
        var tok = tokenizer ? InputFile(args, "--tokenizer") : null;
        var config = args.Optional("--config") is { } c ? CheckFile(c, "--config") : null;
        return TipsPipeline.Load(vision, text, tok, args.Optional("--variant"), config, device);
    }

    /// <summary>--size must be whole patches of the loaded model: a bad value, so a usage error.</summary>
    public static void CheckSize(Args args, TipsPipeline tips, (int Height, int Width)? size)
    {
        if (size is var (h, w) && (h % tips.PatchSize != 0 || w % tips.PatchSize != 0))
            throw new UsageException($"{args.Command}: --size {h}x{w} is not a multiple of the patch size {tips.PatchSize}");
    }

    /// <summary>Texts from repeated <paramref name="flag"/> then <paramref name="fileFlag"/> (one per line; an empty
    /// line is an empty text).</summary>
    public static List<string> Texts(Args args, string flag, string fileFlag)
    {
        var texts = args.All(flag).ToList();
        if (args.Optional(fileFlag) is { } file) texts.AddRange(ReadLines(CheckFile(file, fileFlag)));
        if (texts.Count == 0) throw new UsageException($"{args.Command}: no texts: give {flag} or {fileFlag}");
        return texts;
    }

    /// <summary>Labels from --labels "a,b,c" or --labels-file (one per line), at least one.</summary>
    public static string[] Labels(Args args)
    {
        if (args.Has("--labels") && args.Has("--labels-file")) throw new UsageException($"{args.Command}: give --labels or --labels-file, not both");
        var labels = args.List("--labels")
            ?? (args.Optional("--labels-file") is { } f ? ReadLines(CheckFile(f, "--labels-file")) : null)
            ?? throw new UsageException($"{args.Command}: missing required option --labels (see tips {args.Command} --help)");
        if (labels.Length == 0) throw new UsageException($"{args.Command}: the label list is empty");
        return labels;
    }

    public static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TipsException($"{path}: cannot read ({e.Message})");
        }
    }

    /// <summary>Decodes every --image before any model work, so a bad path fails fast.</summary>
    public static List<(string Path, RgbImage Image)> Images(Args args)
    {
        var paths = args.All("--image");
        if (paths.Count == 0) throw new UsageException($"{args.Command}: missing required option --image (see tips {args.Command} --help)");
        return paths.Select(p => (p, ImageLoader.Load(CheckFile(p, "--image")))).ToList();
    }

    /// <summary>Writes text through a temporary sibling and a rename.</summary>
    public static void WriteText(string path, string text) =>
        AtomicFile.Write(path, s =>
        {
            using var w = new StreamWriter(s, leaveOpen: true);
            w.Write(text);
        });

    public static NdArray Floats(float[] data, params int[] shape) => NdArray.FromFloats(data, shape);
}
