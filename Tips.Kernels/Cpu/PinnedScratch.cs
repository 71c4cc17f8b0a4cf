using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tips.Kernels;

/// <summary>
/// Per-thread pinned float arena, kept between calls so repeated ops (training steps) do not allocate pinned
/// arrays each time. <see cref="Begin"/> sizes it for one batch of <see cref="Take"/> calls; every pointer it
/// hands out is 64-byte aligned (packed panels and tiles start on cache lines) and valid until the next
/// <see cref="Begin"/> on the same arena. Two arenas per thread: <see cref="Call"/> for buffers a call shares with
/// its parallel workers, <see cref="Worker"/> for a worker's private tiles (the calling thread is also a worker).
/// Bodies using an arena must not start another op that uses the same arena on that thread.
/// </summary>
internal sealed unsafe class PinnedScratch
{
    private const int Align = 16;

    [ThreadStatic] private static PinnedScratch? t_call;
    [ThreadStatic] private static PinnedScratch? t_worker;

    private float[] _array = [];
    private float* _base;
    private long _capacity;
    private long _used;

    public static PinnedScratch Call => t_call ??= new PinnedScratch();

    public static PinnedScratch Worker => t_worker ??= new PinnedScratch();

    /// <summary>
    /// Floats a <see cref="Begin"/> needs for one buffer of <paramref name="floats"/>: whole cache lines plus one, so
    /// buffers of power-of-two sizes do not start 4 KiB apart (loads and stores at equal page offsets alias).
    /// </summary>
    public static long Size(long floats) => (floats + Align - 1) / Align * Align + Align;

    /// <summary>Releases everything taken so far and makes room for <paramref name="floats"/> (a sum of <see cref="Size"/>s).</summary>
    public void Begin(long floats)
    {
        if (floats > _capacity)
        {
            if (floats > Array.MaxLength - Align) throw new BackendException($"scratch of {floats} floats is too large");
            _array = GC.AllocateUninitializedArray<float>((int)floats + Align, pinned: true);
            nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
            _base = (float*)((p + 63) & ~(nint)63);
            _capacity = floats;
        }
        _used = 0;
    }

    public float* Take(long floats)
    {
        long size = Size(floats);
        if (_used + size > _capacity) throw new InvalidOperationException("scratch taken beyond what Begin reserved");
        float* p = _base + _used;
        _used += size;
        return p;
    }
}
