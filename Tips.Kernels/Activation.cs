namespace Tips.Kernels;

/// <summary>Pointwise activations; also the optional GEMM epilogue.</summary>
public enum Activation
{
    None,
    /// <summary>Exact GELU, x * Phi(x) with erf (TIPS vision MLP).</summary>
    Gelu,
    /// <summary>GELU, tanh approximation.</summary>
    GeluTanh,
    Relu,
    Silu,
}
