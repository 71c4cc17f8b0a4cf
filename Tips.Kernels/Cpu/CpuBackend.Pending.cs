namespace Tips.Kernels;

// Ops not yet implemented on cpu; each op family moves to its own file as it lands.
public sealed partial class CpuBackend
{
}
