using Tips.Kernels;
using Tips.Model.Checkpoints;
using Tips.Model.Config;
using Tips.Model.Images;
using Tips.Model.Tensors;
using Tips.Model.Text;
using Tips.Model.Towers;

namespace Tips.Model;

/// <summary>Raw text embeddings (T, D) and the token ids (T, max_len) they came from.</summary>
public sealed record TextEmbeddings(int[] Ids, float[] Embeddings, int Count, int Length, int Width);

/// <summary>
/// The public inference API: load a released checkpoint pair (either tower may be left out), then encode
/// images and texts and run the downstream recipes of the release (zero-shot classification, similarity,
/// zero-shot segmentation, PCA maps). Outputs are raw (final norm applied, no L2 normalisation) unless a
/// method says otherwise.
/// </summary>
public sealed class TipsPipeline : IDisposable
{
    private readonly IBackend backend;

    private TipsPipeline(IBackend backend, VisionTower? vision, TextTower? text, TipsTokenizer? tokenizer)
    {
        this.backend = backend;
        Vision = vision;
        Text = text;
        Tokenizer = tokenizer;
    }

    /// <summary>The image tower, or null when no vision checkpoint was loaded.</summary>
    public VisionTower? Vision { get; }

    /// <summary>The text tower, or null when no text checkpoint was loaded.</summary>
    public TextTower? Text { get; }

    /// <summary>The tokenizer, or null when none was loaded.</summary>
    public TipsTokenizer? Tokenizer { get; }

    /// <summary>The compute backend both towers live on (e.g. "cpu", "cuda").</summary>
    public string BackendName => backend.Name;

    /// <summary>The input size the position table was trained at: pos_grid * patch (448 for the releases).</summary>
    public int NativeSize => RequireVision().Config.PosGrid * RequireVision().Config.PatchSize;

    /// <summary>The patch size P (14 for the releases); image sizes must be multiples of it.</summary>
    public int PatchSize => RequireVision().Config.PatchSize;

    /// <summary>The image/text width D.</summary>
    public int Width => Vision?.Config.Width ?? RequireText().Config.Width;

    /// <summary>The zero-shot temperature (a divisor of the cosine logits) stored in the text checkpoint.</summary>
    public float Temperature => RequireText().Temperature.ToHost()[0];

    /// <summary>
    /// Loads checkpoints (.npz or .safetensors, PyTorch key layout) and a SentencePiece tokenizer; pass null for
    /// what is not needed. The number of heads comes from <paramref name="configPath"/> (project JSON schema), or
    /// <paramref name="variant"/> ("B/14", "so400m", a release file name), or is recognised from the shapes of an
    /// official variant. <paramref name="device"/>: auto, cpu, cuda, opencl or ilgpu-cpu.
    /// </summary>
    public static TipsPipeline Load(string? vision, string? text = null, string? tokenizer = null,
        string? variant = null, string? configPath = null, string device = "auto")
    {
        if (vision is null && text is null) throw new TipsException("no checkpoint given: load a vision or a text checkpoint");
        if (variant is not null && configPath is not null) throw new TipsException("give a variant or a config, not both");
        var config = configPath is not null ? TipsConfig.Load(configPath) : variant is not null ? TipsConfig.FromVariant(variant) : null;
        // Files first: a missing tokenizer or checkpoint fails before a GPU context is created.
        var tok = tokenizer is null ? null : TipsTokenizer.Load(tokenizer);
        var visionState = vision is null ? null : StateDict.Load(vision);
        var textState = text is null ? null : StateDict.Load(text);
        var what = configPath ?? $"variant {variant}";
        if (config is not null && visionState is not null) ConfigMatch.Vision(config.Vision, visionState.Shapes(), vision!, what);
        if (config is not null && textState is not null) ConfigMatch.Text(config.Text, textState.Shapes(), text!, what);
        var visionConfig = visionState is null ? null : config?.Vision ?? ConfigInference.InferVision(visionState.Shapes(), source: vision!);
        var textConfig = textState is null ? null : config?.Text ?? ConfigInference.InferText(textState.Shapes(), source: text!);
        if (visionConfig is not null && textConfig is not null && visionConfig.Width != textConfig.Width)
            throw new TipsException($"{vision} has width {visionConfig.Width} but {text} has width {textConfig.Width}: not one TIPS model");

        var be = Backends.Create(device);
        VisionTower? v = null;
        try
        {
            v = visionState is null ? null : VisionTower.Load(be, visionState, visionConfig!);
            var t = textState is null ? null : TextTower.Load(be, textState, textConfig!);
            return new TipsPipeline(be, v, t, tok);
        }
        catch
        {
            v?.Dispose();
            be.Dispose();
            throw;
        }
    }

    /// <summary>Loads an image file and squashes it to <paramref name="size"/> (default: the native size).</summary>
    public RgbImage Prepare(string path, (int Height, int Width)? size = null) => Prepare(ImageLoader.Load(path), size);

    /// <summary>Squashes an image to <paramref name="size"/> (default: the native size) with PIL-style antialiased
    /// bilinear; an image already at that size is used as is.</summary>
    public RgbImage Prepare(RgbImage image, (int Height, int Width)? size = null)
    {
        var (h, w) = size ?? (NativeSize, NativeSize);
        int p = RequireVision().Config.PatchSize;
        if (h <= 0 || w <= 0 || h % p != 0 || w % p != 0)
            throw new TipsException($"image size {h}x{w} is not a positive multiple of the patch size {p}");
        return ImagePreprocess.Preprocess(image, h, w);
    }

    /// <summary>Encodes one image file (resized to <paramref name="size"/>, default native).</summary>
    public ImageFeatures EncodeImage(string path, (int Height, int Width)? size = null) => EncodeImages([Prepare(path, size)]);

    /// <summary>Encodes one decoded image (resized to <paramref name="size"/>, default native).</summary>
    public ImageFeatures EncodeImage(RgbImage image, (int Height, int Width)? size = null) => EncodeImages([Prepare(image, size)]);

    /// <summary>Encodes a batch of images that already share one size (multiples of the patch size), as one batch.
    /// A NaN or infinite feature is an error naming the image (<paramref name="names"/>, else its index).</summary>
    public ImageFeatures EncodeImages(IReadOnlyList<RgbImage> images, VisionOptions? options = null, IReadOnlyList<string>? names = null)
    {
        var tower = RequireVision();
        if (images.Count == 0) throw new TipsException("no images to encode");
        int h = images[0].Height, w = images[0].Width;
        var pixels = new float[(long)images.Count * h * w * 3];
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i].Height != h || images[i].Width != w)
                throw new TipsException($"images of one batch must share a size: {images[i].Height}x{images[i].Width} vs {h}x{w}");
            images[i].Pixels.CopyTo(pixels, (long)i * h * w * 3);
        }
        if (h % tower.Config.PatchSize != 0 || w % tower.Config.PatchSize != 0)
            throw new TipsException($"image size {h}x{w} is not a multiple of the patch size {tower.Config.PatchSize}");
        using var tape = new Tape(backend, recording: false);
        var o = tower.Forward(tape, tape.Constant(pixels, images.Count, h, w, 3), options);
        var f = new ImageFeatures(o.Cls1.ToHost(), o.Cls2.ToHost(), o.PatchTokens.ToHost(),
            images.Count, o.PatchTokens.Shape[1], o.PatchTokens.Shape[2], tower.Config.Width);
        foreach (var values in new[] { f.Cls1, f.Cls2, f.PatchTokens })
            RequireFinite(values, images.Count, i => names is not null ? names[i] : $"image {i} of the batch");
        return f;
    }

    /// <summary>Tokenizes and embeds texts (raw embeddings; an empty text embeds to zeros).</summary>
    public TextEmbeddings EncodeText(IReadOnlyList<string> texts)
    {
        var tower = RequireText();
        var tokenizer = Tokenizer ?? throw new TipsException("no tokenizer loaded");
        if (texts.Count == 0) throw new TipsException("no texts to encode");
        int len = tokenizer.MaxLength;
        if (len > tower.Config.MaxLen) throw new TipsException($"tokenizer length {len} exceeds the text tower's max_len {tower.Config.MaxLen}");
        var ids = new int[texts.Count * len];
        for (int i = 0; i < texts.Count; i++) tokenizer.EncodeOne(texts[i]).CopyTo(ids, i * len);
        using var tape = new Tape(backend, recording: false);
        var embeddings = tower.Forward(tape, ids, texts.Count).ToHost();
        RequireFinite(embeddings, texts.Count, i => $"text '{texts[i]}'");
        return new TextEmbeddings(ids, embeddings, texts.Count, len, tower.Config.Width);
    }

    /// <summary>
    /// Zero-shot classification of one image (native size): softmax over labels of cos(CLS1, text) / temperature,
    /// each label written into <paramref name="prompt"/> at "{}". Returns one probability per label.
    /// </summary>
    public float[] Classify(RgbImage image, IReadOnlyList<string> labels, string prompt = "a photo of a {}.")
    {
        var cls1 = EncodeImage(image).Cls1;
        return ZeroShot(cls1, EncodeText(Prompts.Fill(prompt, labels)).Embeddings)[0];
    }

    /// <summary><see cref="Classify(RgbImage, IReadOnlyList{string}, string)"/> for an image file.</summary>
    public float[] Classify(string imagePath, IReadOnlyList<string> labels, string prompt = "a photo of a {}.") =>
        Classify(ImageLoader.Load(imagePath), labels, prompt);

    /// <summary>Zero-shot probabilities [image][label] for image embeddings (B, D) against label embeddings (L, D).</summary>
    public float[][] ZeroShot(float[] images, float[] labels)
    {
        var cos = Embeddings.Cosine(images, labels, Width);
        double inv = 1.0 / Temperature;
        return cos.Select(row => Embeddings.Softmax(row, inv)).ToArray();
    }

    /// <summary>
    /// The released zero-shot segmentation recipe (see <see cref="Segmentation"/>): a class index per pixel of
    /// <paramref name="image"/> (original size). The short side is resized to <paramref name="shortSide"/>
    /// (default: the native size, 448 for the releases); <paramref name="templates"/> replaces the nine released prompt templates.
    /// </summary>
    public SegmentationResult Segment(RgbImage image, IReadOnlyList<string> labels, int? shortSide = null, IReadOnlyList<string>? templates = null) =>
        Segmentation.Run(this, image, labels, shortSide ?? NativeSize, templates);

    /// <summary>3-component PCA maps of the patch tokens, fitted jointly over all images (each at native size).</summary>
    public PcaResult Pca(IReadOnlyList<RgbImage> images, PcaColor color = PcaColor.Sigmoid)
    {
        var features = images.Select(img => EncodeImage(img)).ToArray();
        return PatchPca.Fit(features, color);
    }

    internal VisionTower RequireVision() => Vision ?? throw new TipsException("no vision checkpoint loaded");

    internal TextTower RequireText() => Text ?? throw new TipsException("no text checkpoint loaded");

    /// <summary>Outputs are never NaN or infinite silently (a broken checkpoint, an overflow): the first item with
    /// a non-finite value is named and nothing is returned.</summary>
    private static void RequireFinite(float[] values, int count, Func<int, string> name)
    {
        int per = values.Length / count;
        for (int i = 0; i < count; i++)
            foreach (float v in values.AsSpan(i * per, per))
                if (!float.IsFinite(v))
                    throw new TipsException($"{name(i)}: the model produced NaN or infinite values (non-finite weights or activations); nothing written");
    }

    public void Dispose()
    {
        Vision?.Dispose();
        Text?.Dispose();
        backend.Dispose();
    }
}
