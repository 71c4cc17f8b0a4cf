using System.Text;
using Tips.Model.Text;
using Xunit.Abstractions;

namespace Tips.Tests.Text;

/// <summary>
/// Raw SentencePiece encoding (no TIPS lowercasing) against the reference <c>spm_encode --output_format=id</c>
/// on a generated mixed corpus: the fixture model, and small models trained by spm_train that switch on the
/// other code paths (BPE, byte fallback, user-defined symbols, identity normaliser, whitespace as suffix,
/// no dummy prefix, kept extra whitespace, case-folding charsmap).
/// </summary>
public sealed class SpmParityTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tips-spm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void AssertSameAsReference(string modelPath, IReadOnlyList<byte[]> lines)
    {
        var model = SentencePieceModel.Load(modelPath);
        var expected = SpmTool.Encode(modelPath, lines, _dir);
        var mismatches = new List<string>();
        for (int i = 0; i < lines.Count; i++)
        {
            var actual = model.Encode(lines[i]);
            if (!actual.SequenceEqual(expected[i]))
                mismatches.Add($"line {i} {Convert.ToHexString(lines[i])[..Math.Min(120, lines[i].Length * 2)]}: spm [{string.Join(' ', expected[i])}] ours [{string.Join(' ', actual)}]");
        }
        log.WriteLine($"{Path.GetFileName(modelPath)}: {lines.Count} lines, {lines.Sum(l => l.Length)} bytes, {mismatches.Count} mismatches");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {lines.Count} lines differ from spm_encode:\n" + string.Join('\n', mismatches.Take(5)));
    }

    [Fact]
    public void FixtureModelMatchesSpmEncode()
    {
        var lines = MixedCorpus.Lines(3000, seed: 1);
        lines.AddRange(File.ReadAllLines(Path.Combine(Paths.Tiny, "texts.txt")).Select(Encoding.UTF8.GetBytes));
        AssertSameAsReference(Path.Combine(Paths.Tiny, "tokenizer.model"), lines);
    }

    [Theory]
    [InlineData("bpe_bytes", "--model_type=bpe --vocab_size=1000 --byte_fallback=true --user_defined_symbols=<sep>,[MASK],x²")]
    [InlineData("bpe_suffix", "--model_type=bpe --vocab_size=1000 --treat_whitespace_as_suffix=true --normalization_rule_name=identity --remove_extra_whitespaces=false")]
    [InlineData("uni_bytes_cf", "--model_type=unigram --vocab_size=1000 --byte_fallback=true --normalization_rule_name=nmt_nfkc_cf --user_defined_symbols=<sep>,[MASK],x²")]
    [InlineData("uni_identity", "--model_type=unigram --vocab_size=1000 --normalization_rule_name=identity --add_dummy_prefix=false --remove_extra_whitespaces=false --treat_whitespace_as_suffix=true")]
    [InlineData("char", "--model_type=char --vocab_size=1000 --user_defined_symbols=<sep>,[MASK],x²")]
    [InlineData("word", "--model_type=word --vocab_size=1000")]
    [InlineData("word_suffix", "--model_type=word --vocab_size=1000 --treat_whitespace_as_suffix=true --remove_extra_whitespaces=false")]
    public void TrainedModelMatchesSpmEncode(string name, string options)
    {
        string model = SpmTool.Train(MixedCorpus.Lines(800, seed: 2, rareChars: false), _dir, name, options + " --character_coverage=0.98 --hard_vocab_limit=false");
        var lines = MixedCorpus.Lines(1500, seed: 3);
        lines.Add("<sep>[MASK] x²x²<sep>a"u8.ToArray());
        AssertSameAsReference(model, lines);
    }

    /// <summary>
    /// spm_train never writes UNUSED pieces, so some merged pieces are re-marked UNUSED: BPE must split them back
    /// into their parts, unigram must skip them. Control symbols must never match text.
    /// </summary>
    [Theory]
    [InlineData("bpe_unused", "--model_type=bpe")]
    [InlineData("uni_unused", "--model_type=unigram")]
    public void UnusedAndControlPiecesMatchSpmEncode(string name, string options)
    {
        string trained = SpmTool.Train(MixedCorpus.Lines(800, seed: 2, rareChars: false), _dir, name,
            options + " --vocab_size=1000 --character_coverage=0.98 --hard_vocab_limit=false --control_symbols=<ctl>,ab");
        var proto = ModelProto.Parse(File.ReadAllBytes(trained), name);
        int marked = 0;
        var pieces = proto.Pieces.Select((p, i) =>
            p.Type == PieceType.Normal && p.Piece.Length >= 3 && i % 5 == 0 && ++marked > 0 ? p with { Type = PieceType.Unused } : p).ToList();
        Assert.True(marked > 50, $"only {marked} pieces marked unused");
        string edited = Path.Combine(_dir, name + "-edited.model");
        File.WriteAllBytes(edited, ProtoWriter.Model(proto with { Pieces = pieces }));
        var lines = MixedCorpus.Lines(1500, seed: 4);
        lines.Add("<ctl> ab abab <ctl>ab"u8.ToArray());
        AssertSameAsReference(edited, lines);
        // The edit must matter, or the unused-piece paths went untested.
        var before = SentencePieceModel.Load(trained);
        var after = SentencePieceModel.Load(edited);
        Assert.True(lines.Count(l => !before.Encode(l).SequenceEqual(after.Encode(l))) > 100);
    }
}
