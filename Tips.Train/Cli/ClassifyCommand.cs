using Tips.Model;
using Tips.Model.Checkpoints;

namespace Tips.Train.Cli;

/// <summary>tips classify: zero-shot classification with CLS1, a top-k table per image.</summary>
internal static class ClassifyCommand
{
    public static readonly CommandSpec Spec = new("classify", "zero-shot classification (top-k per image)", """
        usage: tips classify --vision V --text T --tokenizer M --image IMG [--image ...]
                             (--labels "a,b,c" | --labels-file F) [--prompt "a photo of a {}."] [--top K]
                             [--variant B | --config C.json] [--out PROBS.npz] [--device D]

        Probabilities = softmax over labels of cos(CLS1, prompt(label)) / temperature (the temperature is stored in
        the text checkpoint). A labels file holds one label per line. --out also writes probs (images, labels).

        examples:
          tips classify --vision weights/tips_oss_b14_highres_distilled_vision.npz \
                        --text weights/tips_oss_b14_highres_distilled_text.npz --tokenizer weights/tokenizer.model \
                        --image cat.jpg --labels "cat,dog,car" --top 2
          tips classify ... --image a.jpg --image b.jpg --labels-file imagenet.txt --prompt "itap of a {}."
        """,
        ["--vision", "--text", "--tokenizer", "--labels", "--labels-file", "--prompt", "--top", "--variant", "--config", "--out"],
        ["--image"], Run);

    private static int Run(Args args, CliContext io)
    {
        var labels = CliFiles.Labels(args);
        var prompt = args.Optional("--prompt") ?? "a photo of a {}.";
        if (!prompt.Contains("{}", StringComparison.Ordinal)) throw new UsageException($"classify: --prompt needs a '{{}}' for the label, got '{prompt}'");
        int top = args.Int("--top", 5, 1, int.MaxValue);
        var output = args.Optional("--out") is { } o ? CliFiles.CheckOutput(o, "--out") : null;
        var images = CliFiles.Images(args);
        using var tips = CliFiles.Load(args, "--vision", "--text", tokenizer: true);
        var features = tips.EncodeImages(images.Select(i => tips.Prepare(i.Image)).ToArray(), names: images.Select(i => i.Path).ToArray());
        var probs = tips.ZeroShot(features.Cls1, tips.EncodeText(Prompts.Fill(prompt, labels)).Embeddings);
        for (int i = 0; i < images.Count; i++)
        {
            io.Out.WriteLine(images[i].Path);
            foreach (var j in Enumerable.Range(0, labels.Length).OrderByDescending(j => probs[i][j]).ThenBy(j => j).Take(top))
                io.Out.WriteLine($"  {probs[i][j],8:P2}  {labels[j]}");
        }
        if (output is not null)
            new StateDict(output) { { "probs", CliFiles.Floats(probs.SelectMany(r => r).ToArray(), images.Count, labels.Length) } }.SaveNpz(output);
        return 0;
    }
}
