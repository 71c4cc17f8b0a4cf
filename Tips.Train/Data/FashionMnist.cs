using Tips.Model;
using Tips.Model.Images;

namespace Tips.Train.Data;

/// <summary>
/// Fashion-MNIST (Debian's dataset-fashion-mnist, MIT): 28x28 greyscale clothing images in 10 classes, 60000 train
/// and 10000 test, as IDX files `{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`.
/// </summary>
public sealed class FashionMnist
{
    public const int Side = 28;

    public static readonly string[] ClassNames =
        ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"];

    /// <summary>(Count, 28, 28) grey levels 0..255.</summary>
    public byte[] Pixels { get; }
    public byte[] Labels { get; }
    public int Count => Labels.Length;

    private FashionMnist(byte[] pixels, byte[] labels) => (Pixels, Labels) = (pixels, labels);

    /// <summary>The first <paramref name="limit"/> images (all when null) of the train or test part in
    /// <paramref name="folder"/> (default: the package's folder).</summary>
    public static FashionMnist Load(bool train, int? limit = null, string? folder = null)
    {
        folder ??= DebianData.FashionMnistFolder();
        string prefix = train ? "train" : "t10k";
        string imagesPath = Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"), labelsPath = Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz");
        var images = IdxFile.Read(imagesPath, limit);
        var labels = IdxFile.Read(labelsPath, limit);
        if (images.Shape is not [_, Side, Side]) throw new TipsException($"{imagesPath}: shape [{string.Join(", ", images.Shape)}], expected [n, 28, 28]");
        if (labels.Shape.Length != 1) throw new TipsException($"{labelsPath}: shape [{string.Join(", ", labels.Shape)}], expected [n]");
        if (images.Shape[0] != labels.Shape[0]) throw new TipsException($"{folder}: {images.Shape[0]} images but {labels.Shape[0]} labels");
        int bad = Array.FindIndex(labels.Data, l => l >= ClassNames.Length);
        if (bad >= 0) throw new TipsException($"{labelsPath}: label {labels.Data[bad]} of entry {bad} is not a class 0..9");
        return new FashionMnist(images.Data, labels.Data);
    }

    /// <summary>Image <paramref name="index"/> as RGB (grey expanded to three channels), values / 255.</summary>
    public RgbImage Image(int index)
    {
        var rgb = new float[Side * Side * 3];
        for (int i = 0; i < Side * Side; i++)
        {
            float v = Pixels[index * Side * Side + i] / 255f;
            rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = v;
        }
        return new RgbImage(Side, Side, rgb);
    }
}
