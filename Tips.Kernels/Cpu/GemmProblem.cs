namespace Tips.Kernels;

/// <summary>One batch entry's GEMM parameters (see <see cref="IBackend.Gemm"/>).</summary>
internal readonly record struct GemmProblem(bool TransA, bool TransB, int M, int N, int K,
    float Alpha, float Beta, int Lda, int Ldb, int Ldc, Activation Activation);
