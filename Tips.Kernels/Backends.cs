namespace Tips.Kernels;

/// <summary>Creates backends by name: cpu, cuda, opencl, ilgpu-cpu, or auto (cuda &gt; opencl &gt; cpu).</summary>
public static class Backends
{
    public static readonly string[] Names = ["auto", "cpu", "cuda", "opencl", "ilgpu-cpu"];

    public static IBackend Create(string name) => name switch
    {
        "cpu" or "auto" => new CpuBackend(),
        _ => throw new BackendException($"unknown device '{name}' (expected one of: {string.Join(", ", Names)})"),
    };
}

/// <summary>A backend could not be created or an op was misused; the message is one line for the user.</summary>
public sealed class BackendException(string message) : Exception(message);
