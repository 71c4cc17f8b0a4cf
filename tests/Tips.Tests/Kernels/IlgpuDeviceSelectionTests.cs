using Tips.Kernels;

namespace Tips.Tests.Kernels;

/// <summary>Device names: a missing GPU or driver must be one BackendException, never a native-library error.</summary>
public sealed class IlgpuDeviceSelectionTests
{
    [Theory]
    [InlineData("cuda")]
    [InlineData("opencl")]
    public void AGpuBackendExistsOrFailsWithOneClearError(string name)
    {
        try
        {
            using var backend = Backends.Create(name);
            Assert.Equal(name, backend.Name);
        }
        catch (BackendException e)
        {
            Assert.StartsWith($"device '{name}'", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public void AutoPrefersAGpuAndFallsBackToCpu()
    {
        using var backend = Backends.Create("auto");
        bool hasCuda;
        try
        {
            using var cuda = IlgpuBackend.CreateCuda();
            hasCuda = true;
        }
        catch (BackendException)
        {
            hasCuda = false;
        }
        if (hasCuda) Assert.Equal("cuda", backend.Name);
        else Assert.Contains(backend.Name, new[] { "opencl", "cpu" });
    }

    [Fact]
    public void IlgpuCpuIsTheEmulator()
    {
        using var backend = Backends.Create("ilgpu-cpu");
        Assert.Equal("ilgpu-cpu", backend.Name);
        Assert.Throws<BackendException>(() => IlgpuBackend.CreateCpu(3));
    }
}
