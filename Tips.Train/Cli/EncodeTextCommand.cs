using Tips.Model.Checkpoints;

namespace Tips.Train.Cli;

/// <summary>tips encode-text: token ids and raw text embeddings, as one npz.</summary>
internal static class EncodeTextCommand
{
    public static readonly CommandSpec Spec = new("encode-text", "text(s) -> ids, embeddings (npz)", """
        usage: tips encode-text --checkpoint T.npz --tokenizer M.model (--variant B | --config C.json)
                                (--text S)... [--texts-file F] [--device D] --out OUT.npz

        Writes ids (T, 64) int32 and embeddings (T, D) float32, raw (not L2-normalised). A texts file holds one
        text per line; an empty line is an empty text (it embeds to zeros).

        examples:
          tips encode-text --checkpoint weights/tips_oss_b14_highres_distilled_text.npz --tokenizer weights/tokenizer.model \
                           --text "a photo of a cat" --text "a dog" --out texts.npz
          tips encode-text --checkpoint t.npz --tokenizer m.model --config tiny.json --texts-file texts.txt --out t.npz
        """,
        ["--checkpoint", "--tokenizer", "--variant", "--config", "--texts-file", "--out"], ["--text"], Run);

    private static int Run(Args args, CliContext io)
    {
        var output = CliFiles.Output(args, "--out");
        var texts = CliFiles.Texts(args, "--text", "--texts-file");
        using var tips = CliFiles.Load(args, null, "--checkpoint", tokenizer: true);
        var e = tips.EncodeText(texts);
        new StateDict(output)
        {
            { "ids", NdArray.FromInts(e.Ids, [e.Count, e.Length]) },
            { "embeddings", CliFiles.Floats(e.Embeddings, e.Count, e.Width) },
        }.SaveNpz(output);
        io.Out.WriteLine($"encoded {e.Count} text(s) on {tips.BackendName} -> {output}");
        return 0;
    }
}
