using System.Runtime.ExceptionServices;
using Tips.Model;

namespace Tips.Train.Data;

/// <summary>Batch loader settings. Shuffle draws a new permutation of the source every epoch.</summary>
public sealed record LoaderOptions(int BatchSize, AugmentOptions Augment, ulong Seed, int Threads = 2, int Capacity = 4, bool Shuffle = true)
{
    /// <summary>Shuffling keeps one permutation of the source in memory.</summary>
    public const long MaxShuffled = 1L << 27;
}

/// <summary>
/// Builds batches on background threads. The content of batch p depends only on (source, options, p): the examples
/// at stream positions [p B, (p + 1) B), where stream position q is example perm_e[q mod N] of epoch e = q / N, with
/// crops drawn from a generator seeded by (Seed, q). Thread count and timing therefore change nothing, and
/// <see cref="Position"/> is all a checkpoint needs to resume: a new loader started at that position continues the
/// identical stream. At most <see cref="LoaderOptions.Capacity"/> batches are built ahead of the consumer.
/// A failure while building batch p is thrown by the <see cref="Next"/> call that would have returned batch p.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    private readonly IExampleSource _source;
    private readonly LoaderOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread[] _threads;
    private readonly object _lock = new();
    private readonly Dictionary<long, (Batch? Batch, ExceptionDispatchInfo? Error)> _ready = [];
    private readonly Dictionary<long, int[]> _permutations = [];
    private long _nextToBuild;
    private long _position;
    private bool _disposed;

    /// <param name="position">The first batch to return: 0 for a fresh run, a saved <see cref="Position"/> to resume.</param>
    public BatchLoader(IExampleSource source, LoaderOptions options, long position = 0)
    {
        if (options.BatchSize <= 0) throw new TipsException($"batch size must be positive, got {options.BatchSize}");
        if (options.Threads is < 1 or > 64) throw new TipsException($"loader threads must be in 1..64, got {options.Threads}");
        if (options.Capacity is < 1 or > 1024) throw new TipsException($"loader capacity must be in 1..1024, got {options.Capacity}");
        if (position < 0) throw new TipsException($"loader position must be non-negative, got {position}");
        if (source.Count <= 0) throw new TipsException("the data source is empty");
        if (options.Shuffle && source.Count > LoaderOptions.MaxShuffled)
            throw new TipsException($"cannot shuffle {source.Count} examples (at most {LoaderOptions.MaxShuffled}); use Shuffle = false");
        if (position > long.MaxValue / options.BatchSize - 1) throw new TipsException($"loader position {position} is too large");
        options.Augment.Validate();
        _source = source;
        _options = options;
        _position = position;
        _nextToBuild = position;
        _slots = new SemaphoreSlim(options.Capacity, options.Capacity);
        _threads = new Thread[options.Threads];
        for (int i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"tips-loader-{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>The batch the next <see cref="Next"/> call returns; save it to resume later.</summary>
    public long Position
    {
        get { lock (_lock) return _position; }
    }

    /// <summary>The next batch in stream order; waits for it if it is not built yet.</summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancel"/> fires while waiting.</exception>
    public Batch Next(CancellationToken cancel = default)
    {
        using var wake = cancel.Register(() => { lock (_lock) Monitor.PulseAll(_lock); });
        lock (_lock)
        {
            (Batch? Batch, ExceptionDispatchInfo? Error) result;
            while (true)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_ready.TryGetValue(_position, out result)) break;
                cancel.ThrowIfCancellationRequested();
                Monitor.Wait(_lock);
            }
            // A failed batch stays in place: calling again reports the same failure instead of skipping data.
            result.Error?.Throw();
            _ready.Remove(_position);
            _position++;
            _slots.Release();
            return result.Batch!;
        }
    }

    private void Work()
    {
        var stop = _stop.Token;
        while (true)
        {
            try
            {
                _slots.Wait(stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            long p = Interlocked.Increment(ref _nextToBuild) - 1;
            (Batch?, ExceptionDispatchInfo?) result;
            try
            {
                result = (Build(p), null);
            }
            catch (Exception e)
            {
                result = (null, ExceptionDispatchInfo.Capture(e));
            }
            lock (_lock)
            {
                _ready[p] = result;
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>Batch <paramref name="p"/> of the stream; a pure function of (source, options, p).</summary>
    internal Batch Build(long p)
    {
        int b = _options.BatchSize;
        var aug = _options.Augment;
        int g = aug.Global.Size, l = aug.Local.Size, m = aug.LocalCount;
        var indices = new long[b];
        var global = new float[b * g * g * 3];
        var local = new float[b * m * l * l * 3];
        var web = new string[b];
        var synthetic = new string[b];
        int[]? classes = new int[b * g * g];
        float[]? depth = new float[b * g * g];
        for (int i = 0; i < b; i++)
        {
            long q = p * b + i;
            indices[i] = SourceIndex(q);
            var example = _source.Get(indices[i]);
            var rng = DataRng.For(_options.Seed, (ulong)q);
            var views = Augment.Apply(example, aug, ref rng);
            views.Global.Image.Pixels.CopyTo(global, i * g * g * 3);
            for (int j = 0; j < m; j++) views.Locals[j].Image.Pixels.CopyTo(local, (i * m + j) * l * l * 3);
            web[i] = views.WebCaption;
            synthetic[i] = views.SyntheticCaption;
            if (views.Global.Classes is { } c) c.CopyTo(classes!, i * g * g);
            else classes = null;
            if (views.Global.Depth is { } d) d.CopyTo(depth!, i * g * g);
            else depth = null;
        }
        return new Batch
        {
            Position = p, Indices = indices, GlobalSize = g, LocalSize = l, LocalCount = m, Global = global, Local = local,
            WebCaptions = web, SyntheticCaptions = synthetic, GlobalClasses = classes, GlobalDepth = depth,
        };
    }

    private long SourceIndex(long q)
    {
        long n = _source.Count;
        if (!_options.Shuffle) return q % n;
        return Permutation(q / n)[q % n];
    }

    /// <summary>Fisher-Yates permutation of epoch <paramref name="epoch"/>, cached for the epochs in flight.</summary>
    private int[] Permutation(long epoch)
    {
        lock (_permutations)
        {
            if (_permutations.TryGetValue(epoch, out var cached)) return cached;
        }
        int n = (int)_source.Count;
        var perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        var rng = DataRng.For(_options.Seed, (ulong)epoch, 0x5EED5);
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)(rng.NextUInt64() % (ulong)(i + 1));
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        lock (_permutations)
        {
            // Batches in flight span at most two epochs unless the source is smaller than Capacity batches.
            foreach (var old in _permutations.Keys.Where(e => e < epoch - 2).ToArray()) _permutations.Remove(old);
            _permutations[epoch] = perm;
        }
        return perm;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            Monitor.PulseAll(_lock);
        }
        _stop.Cancel();
        foreach (var t in _threads) t.Join();
        _stop.Dispose();
        _slots.Dispose();
    }
}
