namespace Tips.Kernels;

/// <summary>Creates backends by name: cpu, cuda, opencl, ilgpu-cpu, or auto (cuda &gt; opencl &gt; cpu).</summary>
public static class Backends
{
    public static readonly string[] Names = ["auto", "cpu", "cuda", "opencl", "ilgpu-cpu"];

    public static IBackend Create(string name) => name switch
    {
        "cpu" => new CpuBackend(),
        "cuda" => IlgpuBackend.CreateCuda(),
        "opencl" => IlgpuBackend.CreateOpenCl(),
        "ilgpu-cpu" => IlgpuBackend.CreateCpu(),
        "auto" => CreateAuto(),
        _ => throw new BackendException($"unknown device '{name}' (expected one of: {string.Join(", ", Names)})"),
    };

    /// <summary>The first backend that finds a device; ILGPU's own preference sorts by memory size, not by kind.</summary>
    private static IBackend CreateAuto()
    {
        try
        {
            return IlgpuBackend.CreateCuda();
        }
        catch (BackendException)
        {
        }
        try
        {
            return IlgpuBackend.CreateOpenCl();
        }
        catch (BackendException)
        {
        }
        return new CpuBackend();
    }
}

/// <summary>A backend could not be created or an op was misused; the message is one line for the user.</summary>
public sealed class BackendException(string message) : Exception(message);
