using Tips.Kernels;
using Tips.Model.Checkpoints;
using Tips.Model.Config;
using Tips.Model.Images;
using Tips.Model.Tensors;
using Tips.Model.Text;

namespace Tips.Model.Towers;

/// <summary>Host copies of the image-tower outputs: cls1, cls2 (B, D) and patch tokens (B, h, w, D).</summary>
public sealed record ImageFeatures(float[] Cls1, float[] Cls2, float[] PatchTokens, int Batch, int GridHeight, int GridWidth, int Width);

/// <summary>
/// Both TIPS towers on one backend, with host-array entry points for inference. Training code uses
/// <see cref="Vision"/> and <see cref="Text"/> with its own <see cref="Tape"/>.
/// </summary>
public sealed class TipsModel(VisionTower vision, TextTower text) : IDisposable
{
    public VisionTower Vision { get; } = vision;

    public TextTower Text { get; } = text;

    public IBackend Backend => Vision.Parameters.Items[0].Value.Backend;

    /// <summary>
    /// Loads the released pair of files (<c>*_vision.npz</c>, <c>*_text.npz</c>, or .safetensors) strictly. Without a
    /// config, sizes are read off the shapes and heads come from the official variant of that size (or <paramref name="heads"/>).
    /// </summary>
    public static TipsModel Load(IBackend backend, string visionPath, string textPath, TipsConfig? config = null, int? heads = null)
    {
        var visionState = StateDict.Load(visionPath);
        var textState = StateDict.Load(textPath);
        config ??= ConfigInference.Infer(visionState, textState, heads);
        var vision = VisionTower.Load(backend, visionState, config.Vision);
        try
        {
            return new TipsModel(vision, TextTower.Load(backend, textState, config.Text));
        }
        catch
        {
            vision.Dispose();
            throw;
        }
    }

    /// <summary>The zero-shot temperature (a divisor of the cosine logits), from the text checkpoint.</summary>
    public float Temperature => Text.Temperature.ToHost()[0];

    /// <summary>Encodes images given as (B, H, W, 3) RGB in [0, 1], channels-last.</summary>
    public ImageFeatures EncodeImages(float[] pixels, int batch, int height, int width)
    {
        using var tape = new Tape(Backend, recording: false);
        var images = tape.Constant(pixels, batch, height, width, 3);
        var o = Vision.Forward(tape, images);
        return new ImageFeatures(o.Cls1.ToHost(), o.Cls2.ToHost(), o.PatchTokens.ToHost(),
            batch, o.PatchTokens.Shape[1], o.PatchTokens.Shape[2], Vision.Config.Width);
    }

    /// <summary>Encodes one image (H and W multiples of the patch size; see <see cref="ImagePreprocess"/> to resize).</summary>
    public ImageFeatures EncodeImage(RgbImage image) => EncodeImages(image.Pixels, 1, image.Height, image.Width);

    /// <summary>Embeds tokenized texts (<see cref="TipsTokenizer.Encode"/>) to (B, D) raw embeddings.</summary>
    public float[] EncodeTexts(TokenBatch tokens)
    {
        int batch = tokens.Ids.GetLength(0);
        var ids = new int[tokens.Ids.Length];
        Buffer.BlockCopy(tokens.Ids, 0, ids, 0, ids.Length * sizeof(int));
        return EncodeTexts(ids, batch);
    }

    /// <summary>Embeds <paramref name="batch"/> padded id sequences (id 0 = padding) to (B, D) raw embeddings.</summary>
    public float[] EncodeTexts(int[] ids, int batch)
    {
        using var tape = new Tape(Backend, recording: false);
        return Text.Forward(tape, ids, batch).ToHost();
    }

    /// <summary>
    /// Zero-shot probabilities (B, L): softmax over labels of cos(image, text) / temperature, with the release's
    /// normalisation v / max(|v|, 1e-3). images (B, D), e.g. CLS1; texts (L, D).
    /// </summary>
    public float[] ZeroShot(float[] images, float[] texts)
    {
        int d = Vision.Config.Width;
        if (images.Length % d != 0 || texts.Length % d != 0 || images.Length == 0 || texts.Length == 0)
            throw new TipsException($"zero-shot: embeddings of {images.Length} and {texts.Length} values are not rows of width {d}");
        using var tape = new Tape(Backend, recording: false);
        var img = tape.L2Normalize(tape.Constant(images, images.Length / d, d));
        var txt = tape.L2Normalize(tape.Constant(texts, texts.Length / d, d));
        var cos = tape.Linear(img, txt, bias: null);
        return tape.Softmax(cos, 1f / Temperature).ToHost();
    }

    public void Dispose()
    {
        Vision.Dispose();
        Text.Dispose();
    }
}
