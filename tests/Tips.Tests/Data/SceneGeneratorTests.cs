using System.Diagnostics;
using System.Text.RegularExpressions;
using Tips.Model;
using Tips.Train.Data;
using Xunit.Abstractions;

namespace Tips.Tests.Data;

public sealed class SceneGeneratorTests(ITestOutputHelper output)
{
    private static readonly string[] KindWords = Enum.GetValues<ShapeKind>().Select(SceneWords.Kind).ToArray();

    private static byte[] Bytes(Example e)
    {
        var bytes = new List<byte>();
        foreach (var v in e.Image.Pixels) bytes.AddRange(BitConverter.GetBytes(v));
        foreach (var v in e.Classes!) bytes.AddRange(BitConverter.GetBytes(v));
        foreach (var v in e.Depth!) bytes.AddRange(BitConverter.GetBytes(v));
        bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(e.WebCaption + "\n" + e.SyntheticCaption));
        return bytes.ToArray();
    }

    [Fact]
    public void SameSeedGivesIdenticalBytesAndDifferentSeedsDiffer()
    {
        var gen = new SceneGenerator(56, 48);
        var seen = new HashSet<string>();
        for (ulong seed = 0; seed < 20; seed++)
        {
            var a = Bytes(gen.Generate(seed).Example);
            var b = Bytes(new SceneGenerator(56, 48).Generate(seed).Example);
            Assert.Equal(a, b);
            Assert.True(seen.Add(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(a))), $"seed {seed} repeats an earlier scene");
        }
    }

    [Fact]
    public void SplitsUseDisjointSeedRanges()
    {
        var ranges = Enum.GetValues<Split>().Select(s => (s, lo: SceneGenerator.SeedOf(s, 0), hi: SceneGenerator.SeedOf(s, SceneGenerator.SplitSize - 1))).ToArray();
        foreach (var a in ranges)
            foreach (var b in ranges)
                if (a.s != b.s) Assert.True(a.hi < b.lo || b.hi < a.lo, $"{a.s} and {b.s} overlap");
        var gen = new SceneGenerator(32, 32);
        Assert.NotEqual(Bytes(gen.Generate(Split.Train, 5).Example), Bytes(gen.Generate(Split.Validation, 5).Example));
        Assert.NotEqual(Bytes(gen.Generate(Split.Validation, 5).Example), Bytes(gen.Generate(Split.Test, 5).Example));
        Assert.Throws<TipsException>(() => SceneGenerator.SeedOf(Split.Train, SceneGenerator.SplitSize));
        Assert.Throws<TipsException>(() => SceneGenerator.SeedOf(Split.Test, -1));
        Assert.Throws<TipsException>(() => SceneGenerator.SeedOf((Split)7, 0));
    }

    [Theory]
    [InlineData(4, 56, 1, 3)]
    [InlineData(56, 56, 0, 3)]
    [InlineData(56, 56, 3, 2)]
    [InlineData(56, 56, 1, 9)]
    public void BadSettingsAreRejected(int h, int w, int min, int max) =>
        Assert.Throws<TipsException>(() => new SceneGenerator(h, w, min, max));

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void BadTypicalColourSharesAreRejected(double share) =>
        Assert.Throws<TipsException>(() => new SceneGenerator(32, 32, typicalColourShare: share));

    /// <summary>An object has its kind's typical colour with the given share plus the uniform draw's 1/8; every kind
    /// still appears in every colour. Drawing the same kind twice in the same colour is rejected, which lowers the share
    /// a little with several objects.</summary>
    [Theory]
    [InlineData(SceneGenerator.DefaultTypicalColourShare)]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void ObjectsHaveTheirKindsTypicalColourAtTheGivenShare(double share)
    {
        var gen = new SceneGenerator(48, 48, typicalColourShare: share);
        var pairs = new HashSet<(ShapeKind, int)>();
        int typical = 0, total = 0;
        for (ulong seed = 0; seed < 3000; seed++)
            foreach (var o in gen.Generate(seed).Objects)
            {
                total++;
                if (o.Colour == Palette.TypicalOf(o.Kind)) typical++;
                pairs.Add((o.Kind, o.Colour));
            }
        double expected = share + (1 - share) / Palette.Count, measured = (double)typical / total;
        output.WriteLine($"share {share}: {typical} of {total} objects in their kind's typical colour ({measured:F3}, expected about {expected:F3})");
        Assert.InRange(measured, expected - 0.03, Math.Min(1, expected + 0.02));
        Assert.Equal(share < 1 ? SceneWords.ClassCount * Palette.Count : SceneWords.ClassCount, pairs.Count);
        Assert.Equal(SceneWords.ClassCount, Enumerable.Range(0, SceneWords.ClassCount).Select(k => Palette.TypicalOf((ShapeKind)k)).Distinct().Count());
    }

    [Fact]
    public void ClassMapMatchesPixelsAndGeometry()
    {
        var gen = new SceneGenerator(64, 80, 1, 4);
        int checkedSolid = 0;
        for (ulong seed = 0; seed < 60; seed++)
        {
            var scene = gen.Generate(seed);
            var e = scene.Example;
            Assert.All(e.Image.Pixels, v => Assert.InRange(v, 0f, 1f));
            Assert.All(e.Classes!, c => Assert.InRange(c, 0, SceneWords.ClassCount));
            for (int i = 0; i < e.Classes!.Length; i++)
            {
                int c = e.Classes[i];
                if (c == 0) continue;
                int x = i % e.Width, y = i / e.Width;
                // Every object pixel lies within the extent of an object of that kind.
                Assert.Contains(scene.Objects, o => o.ClassId == c && Math.Abs(x + 0.5 - o.CenterX) <= o.Radius + 0.5 && Math.Abs(y + 0.5 - o.CenterY) <= o.Radius + 0.5);
            }
            foreach (var o in scene.Objects.Where(o => o.Texture == Texture.Solid && scene.Objects.Count(p => p.Kind == o.Kind) == 1))
            {
                var rgb = Palette.Rgb[o.Colour];
                int n = 0;
                for (int i = 0; i < e.Classes.Length; i++)
                {
                    if (e.Classes[i] != o.ClassId) continue;
                    n++;
                    for (int ch = 0; ch < 3; ch++) Assert.Equal(rgb[ch], e.Image.Pixels[i * 3 + ch]);
                }
                Assert.True(n > 0, $"seed {seed}: {o.Name} has no pixels");
                checkedSolid++;
            }
        }
        Assert.True(checkedSolid > 20, $"only {checkedSolid} solid objects checked");
    }

    [Theory]
    [InlineData(ShapeKind.Circle, Math.PI)]
    [InlineData(ShapeKind.Square, 2.56)]
    [InlineData(ShapeKind.Diamond, 2.0)]
    [InlineData(ShapeKind.Ring, Math.PI * (1 - 0.55 * 0.55))]
    [InlineData(ShapeKind.Triangle, 1.85)]
    [InlineData(ShapeKind.Star, 5 * 0.45 * 0.58778525229247314)] // 10 triangles of sides 1 and 0.45 at 36 degrees
    [InlineData(ShapeKind.Cross, 2 * 0.6 * 1.9 - 0.6 * 0.6)]
    [InlineData(ShapeKind.Hexagon, 2.598076211353316)] // 3 sqrt(3) / 2
    public void ShapeAreaMatchesItsGeometry(ShapeKind kind, double unitArea)
    {
        // A lone solid object drawn from a hand-made layout: its pixel count approximates the shape's area.
        var gen = new SceneGenerator(120, 120);
        double r = 30;
        var obj = new SceneObject(kind, 3, true, Texture.Solid, 60.3, 70.6, r, 100.6, 1.5f);
        var layout = new SceneGenerator.Layout(40, 0, 2, 2.0, 0, 0, 0, 99, [obj]);
        var rng = new DataRng(1);
        var e = gen.Render(layout, ref rng).Example;
        int count = e.Classes!.Count(c => c == obj.ClassId);
        Assert.InRange(count, unitArea * r * r * 0.97, unitArea * r * r * 1.03);
        // Far outside the shape's box nothing is labelled.
        for (int i = 0; i < e.Classes!.Length; i++)
            if (Math.Abs(i % 120 + 0.5 - obj.CenterX) > r + 1 || Math.Abs(i / 120 + 0.5 - obj.CenterY) > r + 1) Assert.Equal(0, e.Classes[i]);
        Assert.Equal(0f, e.Depth!.Where((_, i) => e.Classes[i] == obj.ClassId).Max(d => Math.Abs(d - 1.5f)));
    }

    [Fact]
    public void DepthFollowsGroundPlacement()
    {
        var gen = new SceneGenerator(56, 56, 2, 4);
        for (ulong seed = 100; seed < 160; seed++)
        {
            var scene = gen.Generate(seed);
            var e = scene.Example;
            int w = e.Width;
            double hy = scene.HorizonY, g = e.Height - hy;
            // Drawing order is far to near, and lower means nearer.
            for (int i = 1; i < scene.Objects.Count; i++)
            {
                var (far, near) = (scene.Objects[i - 1], scene.Objects[i]);
                Assert.True(near.BaseY >= far.BaseY && near.Depth <= far.Depth, $"seed {seed}: objects {i - 1}, {i} out of order");
            }
            foreach (var o in scene.Objects)
            {
                // Depth of the ground where the object stands, and the apparent size = world size / depth.
                AssertClose(g / (o.BaseY - hy), o.Depth);
                double world = o.Radius * o.Depth / g;
                if (o.Radius > 1.7) Assert.InRange(world, (o.Large ? SceneGenerator.LargeSize.Min : SceneGenerator.SmallSize.Min) - 1e-6, (o.Large ? SceneGenerator.LargeSize.Max : SceneGenerator.SmallSize.Max) + 1e-6);
            }
            // Background: sky at SkyDepth above the horizon, ground depth non-increasing downwards.
            for (int y = 0; y < e.Height; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    if (e.Classes![y * w + x] != 0) continue;
                    float d = e.Depth![y * w + x];
                    double expected = y + 0.5 <= hy ? SceneGenerator.SkyDepth : Math.Min(g / (y + 0.5 - hy), SceneGenerator.SkyDepth);
                    AssertClose(expected, d);
                }
            }
            foreach (var o in scene.Objects)
                for (int i = 0; i < e.Classes!.Length; i++)
                    if (e.Classes[i] == o.ClassId && scene.Objects.Count(p => p.Kind == o.Kind) == 1) Assert.Equal(o.Depth, e.Depth![i]);
        }
    }

    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-6 + 1e-6 * Math.Abs(expected), $"expected {expected}, got {actual}");

    [Fact]
    public void SyntheticCaptionDescribesEveryObjectWithItsPosition()
    {
        var gen = new SceneGenerator(56, 56, 1, 4);
        for (ulong seed = 0; seed < 100; seed++)
        {
            var scene = gen.Generate(seed);
            string caption = scene.Example.SyntheticCaption;
            foreach (var o in scene.Objects)
            {
                string h = o.CenterX < 56 / 3.0 ? "left" : o.CenterX > 112 / 3.0 ? "right" : null!;
                string v = o.CenterY < 56 / 3.0 ? "top" : o.CenterY > 112 / 3.0 ? "bottom" : null!;
                string where = (v, h) switch { (null, null) => "in the center", (null, _) => $"on the {h}", (_, null) => $"at the {v}", _ => $"at the {v} {h}" };
                string texture = o.Texture switch { Texture.Stripes => "striped ", Texture.Dots => "dotted ", _ => "" };
                string phrase = $"a {(o.Large ? "large" : "small")} {texture}{Palette.Names[o.Colour]} {KindWords[(int)o.Kind]} {where}";
                Assert.True(caption.Contains(phrase), $"seed {seed}: \"{phrase}\" missing from \"{caption}\"");
            }
            // Relations are true of the layout.
            foreach (Match m in Regex.Matches(caption, @"the (\w+ \w+) is (left of|in front of) the (\w+ \w+)\."))
            {
                var a = scene.Objects.Single(o => o.Name == m.Groups[1].Value);
                var b = scene.Objects.Single(o => o.Name == m.Groups[3].Value);
                Assert.True(m.Groups[2].Value == "left of" ? a.CenterX < b.CenterX : a.Depth < b.Depth, $"seed {seed}: false relation \"{m.Value}\"");
            }
            Assert.DoesNotContain(" a evening", caption);
            Assert.Equal(scene.Objects.Count, KindWords.Sum(k => Regex.Matches(caption, $@"\ba (large|small) (\w+ )?\w+ {k}\b").Count));
        }
    }

    [Fact]
    public void WebCaptionMentionsAtMostTheSalientObject()
    {
        var gen = new SceneGenerator(56, 56, 1, 4);
        int withObject = 0, total = 200;
        for (ulong seed = 0; seed < (ulong)total; seed++)
        {
            var scene = gen.Generate(seed);
            string web = scene.Example.WebCaption;
            var words = Regex.Split(web.ToLowerInvariant(), @"[^a-z]+");
            var kinds = words.Where(KindWords.Contains).ToArray();
            var colours = words.Where(Palette.Names.Contains).ToArray();
            Assert.True(kinds.Length <= 1 && colours.Length <= 1, $"seed {seed}: \"{web}\" names more than one object");
            Assert.DoesNotContain("left", words);
            Assert.DoesNotContain("right", words);
            if (kinds.Length == 0) continue;
            withObject++;
            var salient = scene.Objects.MaxBy(o => o.Radius)!;
            Assert.Equal(SceneWords.Kind(salient.Kind), kinds[0]);
            if (colours.Length == 1) Assert.Equal(salient.ColourName, colours[0]);
        }
        // Mostly object-centric, but a good share is file names or unrelated text.
        Assert.InRange(withObject, total * 45 / 100, total * 75 / 100);
    }

    [Fact]
    public void GeneratesThousandsOfSmallScenesPerSecond()
    {
        var gen = new SceneGenerator(56, 56);
        for (ulong s = 0; s < 200; s++) gen.Generate(s);
        const int n = 3000;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        long checksum = 0;
        for (ulong s = 0; s < n; s++) checksum += gen.Generate(1000 + s).Objects.Count;
        double perSecond = n / sw.Elapsed.TotalSeconds;
        double perCpuSecond = n / (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        // Wall clock is what the assertion uses; process CPU time shows the cost on a busy machine.
        output.WriteLine($"SceneGenerator 56x56, one thread: {perSecond:F0} images/s wall clock, {perCpuSecond:F0} images per CPU second ({checksum} objects)");
        Assert.True(perSecond > 200, $"{perSecond:F0} images/s");
    }
}
