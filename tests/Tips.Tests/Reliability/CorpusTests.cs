using System.Text;
using Tips.Model.Checkpoints;
using Tips.Model.Config;
using Tips.Model.Images;
using Tips.Model.Text;

namespace Tips.Tests.Reliability;

/// <summary>
/// The committed corpus of hostile files (corpus/make_corpus.py writes it: huge and overflowing shapes, offsets
/// past the end, zip bombs, duplicated keys, wrong dtypes, 20000x20000 images over a few bytes): each one is
/// rejected with one TipsException by the loader its extension names, within the bounds of <see cref="HostileInput"/>.
/// </summary>
public class CorpusTests
{
    private static string Dir => Path.Combine(Paths.RepoRoot, "tests", "Tips.Tests", "Reliability", "corpus");

    private static string[] Names => Directory.GetFiles(Dir).Select(f => Path.GetFileName(f)).Where(f => !f.EndsWith(".py")).Order().ToArray();

    public static TheoryData<string> Files() => new(Names);

    [Theory]
    [MemberData(nameof(Files))]
    public void CorpusFileIsRejectedWithTipsException(string name)
    {
        string path = Path.Combine(Dir, name);
        Action<byte[]> load = Path.GetExtension(name) switch
        {
            ".npy" => _ => Npy.Read(path),
            ".npz" or ".safetensors" => _ =>
            {
                StateDict.ReadShapes(path);
                StateDict.Load(path);
            },
            ".model" => _ => SentencePieceModel.Load(path).Encode(Encoding.UTF8.GetBytes("a cat")),
            ".json" => _ => TipsConfig.Load(path),
            _ => _ => ImageLoader.Load(path),
        };
        bool accepted = HostileInput.Check(File.ReadAllBytes(path), name, load, name);
        Assert.False(accepted, $"{name} was accepted");
    }

    [Fact]
    public void CorpusCoversEveryParser()
    {
        var names = Names;
        foreach (var prefix in new[] { "npy_", "npz_", "st_", "spm_", "config_", "image_" })
            Assert.True(names.Count(n => n.StartsWith(prefix)) >= 3, $"fewer than 3 {prefix} cases");
    }
}
