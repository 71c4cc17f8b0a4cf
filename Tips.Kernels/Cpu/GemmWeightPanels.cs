namespace Tips.Kernels;

/// <summary>Which op(B) a set of packed panels holds: the view's offset in its owner, layout and micro-kernel width.</summary>
internal readonly record struct PanelKey(int Offset, bool TransB, int N, int K, int Ldb, bool Wide);

/// <summary>
/// An owner buffer's packed GEMM panels for one <see cref="PanelKey"/> at one <see cref="CpuBuffer{T}.Version"/>;
/// <see cref="Data"/> is null while that version has been seen only once.
/// </summary>
internal sealed record WeightPanels(PanelKey Key, long Version, float[]? Data);

public sealed partial class CpuBackend
{
    private long _panelPacks, _panelHits;

    /// <summary>The environment variable that sets <see cref="CacheWeightPanels"/> for backends created without it:
    /// 0 or 1 (the default).</summary>
    public const string WeightCacheVariable = "TIPS_CPU_WEIGHT_CACHE";

    /// <summary>
    /// True keeps each Linear weight's GEMM panels packed from its second use on, which buys 8-11% of a B/14 forward
    /// and holds a second copy of the weights. False packs them on every call: for serving where memory counts more.
    /// Default: <see cref="WeightCacheVariable"/>, else true.
    /// </summary>
    public bool CacheWeightPanels { get; init; } = WeightCacheSetting(Environment.GetEnvironmentVariable(WeightCacheVariable));

    internal static bool WeightCacheSetting(string? value) => value switch
    {
        null or "" or "1" => true,
        "0" => false,
        _ => throw new BackendException($"{WeightCacheVariable} must be 0 (pack weights on every call: less memory) or 1 (keep them packed: the default), got '{value}'"),
    };

    /// <summary>Weight panels packed into the cache, and GEMM calls served from it (for tests and benches).</summary>
    internal (long Packs, long Hits) PanelStats => (Interlocked.Read(ref _panelPacks), Interlocked.Read(ref _panelHits));

    /// <summary>
    /// Packed panels of B for a driver GEMM, or null to pack per call. A Linear weight (out, in) is re-packed into
    /// panels by every call otherwise (14% of a B/14 forward at 224 px). A version's panels are kept from its second
    /// use: inference reuses them from then on, while a training step, whose optimizer writes every weight once per
    /// step, never packs twice or holds panels. Each owner keeps one set (the latest key), pinned so the driver's
    /// pointers stay valid, counted in <see cref="BytesAllocated"/> and dropped when the owner is disposed.
    /// </summary>
    private unsafe float[]? WeightPanelsFor(CpuBuffer<float> b, in GemmProblem p, float* bStart, bool wide, int threads)
    {
        if (!CacheWeightPanels) return null;
        var root = b.Root;
        var key = new PanelKey(b.Offset, p.TransB, p.N, p.K, p.Ldb, wide);
        long version = b.Version;
        lock (root)
        {
            if (root.Panels is { } slot && slot.Key == key && slot.Version == version)
            {
                if (slot.Data is { } data)
                {
                    Interlocked.Increment(ref _panelHits);
                    return data;
                }
                data = GC.AllocateUninitializedArray<float>((int)GemmDriver.PanelFloats(p, wide) + GemmDriver.AlignFloats, pinned: true);
                fixed (float* d = data)
                    GemmDriver.ForThread().PackPanels(in p, bStart, GemmDriver.Align(d), wide, threads);
                Interlocked.Add(ref _bytes, (long)data.Length * sizeof(float));
                Interlocked.Increment(ref _panelPacks);
                root.Panels = slot with { Data = data };
                return data;
            }
            Release(root.Panels);
            root.Panels = new WeightPanels(key, version, null);
            return null;
        }
    }

    internal void DropPanels<T>(CpuBuffer<T> root) where T : unmanaged
    {
        lock (root)
        {
            Release(root.Panels);
            root.Panels = null;
        }
    }

    private void Release(WeightPanels? panels)
    {
        if (panels?.Data is { } data) Interlocked.Add(ref _bytes, -(long)data.Length * sizeof(float));
    }
}
