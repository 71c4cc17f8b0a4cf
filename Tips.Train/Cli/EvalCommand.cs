using System.Globalization;
using Tips.Model;
using Tips.Train.Data;
using Tips.Train.Eval;

namespace Tips.Train.Cli;

/// <summary>tips eval: the frozen-feature protocols of <see cref="Evaluator"/> on generated scenes or a labelled JSONL folder.</summary>
internal static class EvalCommand
{
    public static readonly CommandSpec Spec = new("eval", "evaluate frozen features (probes, retrieval, zero-shot, kNN)", """
        usage: tips eval --vision V --text T --tokenizer M [--variant B | --config C.json] [--data generated|stamps|DIR|fashion-mnist]
                         [--typical-colour-share P] [--probe-images N] [--test-images N] [--segment-images N] [--out results.json]
                         [--device D]

        Measures on frozen features (any checkpoint, the official layout included), each beside its chance level:
          probe_seg_miou      class-balanced ridge probe (closed form, float64) on patch tokens; per-patch label = majority class
          probe_depth_rmse    ridge probe on patch tokens; per-patch target = mean depth of its pixels
          retrieval_*_i2t/t2i R@1, web captions with CLS1, synthetic captions with CLS2 (identical captions count as one)
          zeroshot_cls_acc    kind of the largest object, prompts "a photo of a {kind}." vs CLS1
          knn_cls_acc         the same label by 10-NN on CLS1 over the probe images
          zeroshot_seg_miou   the released recipe (TipsPipeline.Segment, native-size windows) over the 8 kinds, object pixels
        --data generated (default): scenes at the model's native size; probes fit on the validation split, measured on the
        test split; --typical-colour-share P (default 0.75): the share of objects in their kind's typical colour, 0 for
        kinds independent of colour (evaluate with the share the model was trained on).
        --data DIR: a JSONL folder with class and depth maps (as the scene generator writes them); the first probe-images
        examples fit the probes, the next test-images are measured. Images are squashed to the native size.
        --data stamps: Tux Paint stamp scenes (tuxpaint-stamps-default and python3-skimage, installed by
        scripts/setup.sh --tests) at the native size, split like the generated scenes, over the 13 stamp categories.
        --data fashion-mnist: Debian's dataset-fashion-mnist (installed by scripts/setup.sh --tests); fashion_linear_acc
        (ridge probe) and fashion_knn_acc (10-NN) on L2-normalised CLS1, fitted on the first probe-images training
        images, measured on the first test-images test images (28x28 grey, resized to the native size); needs --vision only.
        Prints a table; --out writes JSON ({"setup": {...}, "metrics": {name: {value, chance, ...}}}).

        example:
          tips eval --vision run/vision.safetensors --text run/text.safetensors --tokenizer run/tokenizer.model \
                    --config run/config.json --out results.json
        """,
        ["--vision", "--text", "--tokenizer", "--variant", "--config", "--data", "--typical-colour-share", "--probe-images", "--test-images", "--segment-images", "--out"],
        [], Run);

    private static int Run(Args args, CliContext io)
    {
        var options = new EvalOptions
        {
            ProbeImages = args.Int("--probe-images", 300, 1, 100_000),
            TestImages = args.Int("--test-images", 100, 1, 100_000),
            SegmentImages = args.Int("--segment-images", 25, 0, 100_000),
        };
        string? output = args.Has("--out") ? CliFiles.Output(args, "--out") : null;
        string data = args.Optional("--data") ?? "generated";
        if (data is not ("generated" or "stamps" or FashionData) && !Directory.Exists(data))
            throw new UsageException($"eval: --data '{data}' is neither 'generated', 'stamps', '{FashionData}' nor a folder");
        if (args.Has("--typical-colour-share") && data != "generated")
            throw new UsageException("eval: --typical-colour-share applies to --data generated only");
        double share = args.Double("--typical-colour-share", SceneGenerator.DefaultTypicalColourShare, 0, 1);
        EvalReport report;
        if (data == FashionData)
        {
            var train = FashionMnist.Load(train: true, options.ProbeImages);
            var test = FashionMnist.Load(train: false, options.TestImages);
            using var vision = CliFiles.Load(args, "--vision", null, tokenizer: false);
            report = FashionProbe.Run(vision, train, test, options.KnnK, options.RidgeLambda, s => io.Err.WriteLine($"eval: {s}"));
        }
        else
        {
            using var tips = CliFiles.Load(args, "--vision", "--text", tokenizer: true);
            report = Evaluate(tips, data, options, io.Err, share);
        }
        io.Out.Write(report.ToTable());
        if (output is not null)
        {
            CliFiles.WriteText(output, report.ToJson());
            io.Out.WriteLine($"-> {output}");
        }
        return 0;
    }

    private const string FashionData = "fashion-mnist";

    /// <summary>Runs the protocols on "generated" scenes (validation split for probes, test split measured; objects in
    /// their kind's typical colour with <paramref name="typicalColourShare"/>) or a JSONL folder.</summary>
    public static EvalReport Evaluate(TipsPipeline tips, string data, EvalOptions options, TextWriter progress, double typicalColourShare)
    {
        void Log(string s) => progress.WriteLine($"eval: {s}");
        if (data == "generated")
        {
            int size = tips.NativeSize;
            var generator = new SceneGenerator(size, size, typicalColourShare: typicalColourShare);
            var probe = new SceneDataset(generator, Split.Validation, options.ProbeImages);
            var test = new SceneDataset(generator, Split.Test, options.TestImages);
            var report = Evaluator.Run(tips, probe, 0, test, 0, options, Log);
            var setup = new Dictionary<string, string>(report.Setup) { ["typical_colour_share"] = typicalColourShare.ToString(CultureInfo.InvariantCulture) };
            return report with { Setup = setup };
        }
        if (data == "stamps")
        {
            int size = tips.NativeSize;
            var generator = StampSceneGenerator.FromDebian(size, size);
            var probe = new StampDataset(generator, Split.Validation, options.ProbeImages);
            var test = new StampDataset(generator, Split.Test, options.TestImages);
            return Evaluator.Run(tips, probe, 0, test, 0, options, Log, StampCategories.Names);
        }
        var folder = JsonlDataset.Open(data);
        if (folder.Count < options.ProbeImages + options.TestImages)
            throw new TipsException(string.Create(CultureInfo.InvariantCulture,
                $"{data}: {folder.Count} examples, the evaluation needs {options.ProbeImages} + {options.TestImages}"));
        return Evaluator.Run(tips, folder, 0, folder, options.ProbeImages, options, Log);
    }
}
