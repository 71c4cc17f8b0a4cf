using System.Diagnostics;
using Tips.Model;
using Tips.Model.Images;
using Tips.Train.Data;
using Xunit.Abstractions;

namespace Tips.Tests.Data;

public sealed class BatchLoaderTests(ITestOutputHelper output)
{
    private static readonly AugmentOptions Views = AugmentOptions.Default(24, 12, 2);

    private static SceneDataset Scenes(long count = 23) => new(new SceneGenerator(32, 32), Split.Train, count);

    private static List<Batch> Take(IExampleSource source, LoaderOptions options, long start, int n)
    {
        using var loader = new BatchLoader(source, options, start);
        var batches = new List<Batch>();
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(start + i, loader.Position);
            batches.Add(loader.Next());
        }
        Assert.Equal(start + n, loader.Position);
        return batches;
    }

    private static void AssertSame(Batch a, Batch b)
    {
        Assert.Equal(a.Position, b.Position);
        Assert.Equal(a.Indices, b.Indices);
        Assert.Equal(a.Global, b.Global);
        Assert.Equal(a.Local, b.Local);
        Assert.Equal(a.WebCaptions, b.WebCaptions);
        Assert.Equal(a.SyntheticCaptions, b.SyntheticCaptions);
        Assert.Equal(a.GlobalClasses, b.GlobalClasses);
        Assert.Equal(a.GlobalDepth, b.GlobalDepth);
    }

    [Fact]
    public void SameSeedGivesSameBatchesForAnyThreadCount()
    {
        var source = Scenes();
        var one = Take(source, new LoaderOptions(5, Views, 11, Threads: 1, Capacity: 1), 0, 7);
        var three = Take(source, new LoaderOptions(5, Views, 11, Threads: 3, Capacity: 5), 0, 7);
        for (int i = 0; i < 7; i++) AssertSame(one[i], three[i]);
        var other = Take(source, new LoaderOptions(5, Views, 12, Threads: 2), 0, 1)[0];
        Assert.NotEqual(one[0].Global, other.Global);
    }

    [Fact]
    public void ResumingAtASavedPositionContinuesTheSameStream()
    {
        var source = Scenes();
        var options = new LoaderOptions(4, Views, 3, Threads: 2, Capacity: 3);
        var full = Take(source, options, 0, 9);
        long saved;
        using (var loader = new BatchLoader(source, options))
        {
            for (int i = 0; i < 4; i++) loader.Next();
            saved = loader.Position;
        }
        var resumed = Take(source, options, saved, 5);
        for (int i = 0; i < 5; i++) AssertSame(full[4 + i], resumed[i]);
    }

    [Fact]
    public void EachEpochVisitsEveryExampleOnceInANewOrder()
    {
        var source = Scenes(12);
        var batches = Take(source, new LoaderOptions(4, Views, 8, Threads: 2), 0, 6);
        var epoch0 = batches.Take(3).SelectMany(b => b.Indices).ToArray();
        var epoch1 = batches.Skip(3).SelectMany(b => b.Indices).ToArray();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), epoch0.Order());
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), epoch1.Order());
        Assert.NotEqual(epoch0, epoch1);
        var sequential = Take(source, new LoaderOptions(5, Views, 8, Shuffle: false), 0, 3).SelectMany(b => b.Indices);
        Assert.Equal(Enumerable.Range(0, 15).Select(i => (long)(i % 12)), sequential);
    }

    [Fact]
    public void BatchHoldsTheViewsOfItsExamples()
    {
        var source = Scenes();
        var options = new LoaderOptions(3, Views, 21, Threads: 2);
        var batch = Take(source, options, 2, 1)[0];
        int g = 24, l = 12, m = 2;
        Assert.Equal((3, g, l, m), (batch.Size, batch.GlobalSize, batch.LocalSize, batch.LocalCount));
        Assert.Equal(3 * g * g * 3, batch.Global.Length);
        Assert.Equal(3 * m * l * l * 3, batch.Local.Length);
        for (int i = 0; i < 3; i++)
        {
            // Stream position q = 2 * 3 + i; its views come from DataRng.For(seed, q).
            var rng = DataRng.For(21, (ulong)(6 + i));
            var views = Augment.Apply(source.Get(batch.Indices[i]), Views, ref rng);
            Assert.Equal(views.Global.Image.Pixels, batch.Global.AsSpan(i * g * g * 3, g * g * 3).ToArray());
            Assert.Equal(views.Locals[1].Image.Pixels, batch.Local.AsSpan((i * m + 1) * l * l * 3, l * l * 3).ToArray());
            Assert.Equal(views.Global.Classes, batch.GlobalClasses!.AsSpan(i * g * g, g * g).ToArray());
            Assert.Equal(views.Global.Depth, batch.GlobalDepth!.AsSpan(i * g * g, g * g).ToArray());
            Assert.Equal(views.SyntheticCaption, batch.SyntheticCaptions[i]);
            Assert.Equal(views.WebCaption, batch.WebCaptions[i]);
        }
    }

    /// <summary>Plain examples (no maps); index <c>FailAt</c> throws; <c>Gate</c>, when given, blocks every Get.</summary>
    private sealed class TestSource(long count, long failAt = -1, ManualResetEventSlim? gate = null) : IExampleSource
    {
        private int _calls;
        public int Calls => Volatile.Read(ref _calls);
        public long Count => count;

        public Example Get(long index)
        {
            Interlocked.Increment(ref _calls);
            gate?.Wait();
            if (index == failAt) throw new TipsException($"example {index} is broken");
            var pixels = Enumerable.Range(0, 16 * 16 * 3).Select(i => (i * 7 + index * 13) % 256 / 255f).ToArray();
            return new Example(new RgbImage(16, 16, pixels), $"web {index}", $"synthetic {index}");
        }
    }

    [Fact]
    public void FailuresReachTheConsumerAtTheirBatch()
    {
        var source = new TestSource(40, failAt: 9);
        using var loader = new BatchLoader(source, new LoaderOptions(4, AugmentOptions.Default(8, 4, 1), 1, Shuffle: false));
        var first = loader.Next();
        Assert.Null(first.GlobalClasses);
        Assert.Null(first.GlobalDepth);
        loader.Next();
        // Batch 2 holds examples 8..11.
        Assert.Equal("example 9 is broken", Assert.Throws<TipsException>(() => loader.Next()).Message);
        Assert.Equal(2, loader.Position);
        Assert.Throws<TipsException>(() => loader.Next());
    }

    [Fact]
    public void WaitingIsCancellableAndTheQueueIsBounded()
    {
        using var gate = new ManualResetEventSlim(false);
        var source = new TestSource(100, gate: gate);
        var loader = new BatchLoader(source, new LoaderOptions(1, AugmentOptions.Default(8, 4, 1), 1, Threads: 2, Capacity: 3, Shuffle: false));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        Assert.ThrowsAny<OperationCanceledException>(() => loader.Next(cancel.Token));
        gate.Set();
        Thread.Sleep(300);
        // Nothing consumed: at most Capacity batches of one example were built.
        Assert.InRange(source.Calls, 1, 3);
        Assert.Equal("synthetic 0", loader.Next().SyntheticCaptions[0]);
        loader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loader.Next());
    }

    [Theory]
    [InlineData(0, 1, 1, 0L)]
    [InlineData(2, 0, 1, 0L)]
    [InlineData(2, 1, 0, 0L)]
    [InlineData(2, 1, 1, -1L)]
    public void BadSettingsAreRejected(int batch, int threads, int capacity, long position) =>
        Assert.Throws<TipsException>(() => new BatchLoader(Scenes(), new LoaderOptions(batch, Views, 1, threads, capacity), position));

    [Fact]
    public void MeasuresLoaderThroughput()
    {
        var source = new SceneDataset(new SceneGenerator(56, 56), Split.Train, 1 << 20);
        var options = new LoaderOptions(64, AugmentOptions.Default(56, 24, 6), 5, Threads: 2, Shuffle: false);
        using var loader = new BatchLoader(source, options);
        loader.Next();
        var sw = Stopwatch.StartNew();
        const int batches = 8;
        for (int i = 0; i < batches; i++) loader.Next();
        double perSecond = batches * 64 / sw.Elapsed.TotalSeconds;
        output.WriteLine($"BatchLoader 56x56 scenes, 1 global 56 + 6 local 24 crops, 2 threads: {perSecond:F0} examples/s");
        Assert.True(perSecond > 50, $"{perSecond:F0} examples/s");
    }
}
