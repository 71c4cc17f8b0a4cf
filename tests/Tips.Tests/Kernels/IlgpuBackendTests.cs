using Tips.Kernels;

namespace Tips.Tests.Kernels;

/// <summary>
/// What the shared suites (<see cref="OpTestsBase"/>, <see cref="GemmTestsBase"/>) do not cover: buffer views
/// and pooling, ownership checks, the emulated warp size, and a resize value worked out by hand.
/// </summary>
public abstract class IlgpuBackendTests
{
    protected abstract IlgpuBackend B { get; }

    protected abstract int ExpectedWarpSize { get; }

    private DeviceBuffer<float> Up(float[] data)
    {
        var b = B.Allocate(data.Length);
        B.Upload<float>(data, b);
        return b;
    }

    private float[] Down(DeviceBuffer<float> b)
    {
        var a = new float[b.Length];
        B.Download<float>(b, a);
        return a;
    }

    [Fact]
    public void RunsAtTheRequestedWarpSize()
    {
        Assert.Equal(ExpectedWarpSize, B.WarpSize);
        Assert.Equal("ilgpu-cpu", B.Name);
        Assert.Contains($"warp {ExpectedWarpSize}", B.Device);
    }

    [Fact]
    public void SliceIsAViewOfItsParent()
    {
        using var whole = Up(Enumerable.Repeat(float.NaN, 10).ToArray());
        var part = whole.Slice(3, 4);
        B.Fill(part, 1f);
        var got = Down(whole);
        for (int i = 0; i < 10; i++) Assert.Equal(i is >= 3 and < 7, got[i] == 1f);
        Assert.Equal(4, part.Length);
        B.Upload<float>([5f, 6f], whole.Slice(8, 2));
        var tail = new float[3];
        B.Download<float>(whole.Slice(7, 3), tail);
        Assert.Equal([float.NaN, 5f, 6f], tail);
        // A slice owns nothing: disposing it must not return the parent's memory to the pool.
        long held = B.BytesAllocated;
        part.Dispose();
        using var other = B.Allocate(10);
        Assert.Equal(held + 10 * sizeof(float), B.BytesAllocated);
        Assert.Throws<ArgumentOutOfRangeException>(() => whole.Slice(8, 4));
    }

    [Fact]
    public void PoolReusesFreedBuffers()
    {
        var first = B.Allocate(123);
        first.Dispose();
        long held = B.BytesAllocated;
        using var second = B.Allocate(123);
        Assert.Equal(held, B.BytesAllocated);
        using var third = B.Allocate(123);
        Assert.Equal(held + 123 * sizeof(float), B.BytesAllocated);
    }

    [Fact]
    public void ForeignBufferIsRejected()
    {
        using var cpu = new CpuBackend();
        using var foreign = cpu.Allocate(4);
        var e = Assert.Throws<BackendException>(() => B.Fill(foreign, 0f));
        Assert.Contains("cpu", e.Message);
    }

    /// <summary>PyTorch's antialiased filter by hand: 4 -> 2 uses taps 0..2 with weights 3/7, 3/7, 1/7 (and mirrored).</summary>
    [Fact]
    public void ResizeKnownValue()
    {
        using var x = Up([0f, 1f, 2f, 3f]);
        using var y = Up([float.NaN, float.NaN]);
        B.ResizeForward(x, y, 1, 1, 4, 1, 2, 1);
        var got = Down(y);
        Assert.Equal(5.0 / 7, got[0], 6);
        Assert.Equal(16.0 / 7, got[1], 6);
    }
}

public sealed class IlgpuCpuWarp4BackendTests(IlgpuCpuWarp4Fixture fixture) : IlgpuBackendTests, IClassFixture<IlgpuCpuWarp4Fixture>
{
    protected override IlgpuBackend B => fixture.Backend;

    protected override int ExpectedWarpSize => 4;
}

public sealed class IlgpuCpuWarp32BackendTests(IlgpuCpuWarp32Fixture fixture) : IlgpuBackendTests, IClassFixture<IlgpuCpuWarp32Fixture>
{
    protected override IlgpuBackend B => fixture.Backend;

    protected override int ExpectedWarpSize => 32;
}
