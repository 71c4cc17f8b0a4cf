namespace Tips.Kernels;

// Ops not yet implemented on cpu; each op family moves to its own file as it lands.
public sealed partial class CpuBackend
{
    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, DeviceBuffer<float> a, int lda, long strideA, DeviceBuffer<float> b, int ldb, long strideB, float beta, DeviceBuffer<float> c, int ldc, long strideC, int batch, DeviceBuffer<float>? bias, Activation activation) => throw new NotImplementedException("Gemm");

    public void SumRows(DeviceBuffer<float> x, DeviceBuffer<float> y, int batch, int rows, int cols, float alpha, float beta) => throw new NotImplementedException("SumRows");

    public void BroadcastRows(DeviceBuffer<float> dy, DeviceBuffer<float> dx, int batch, int rows, int cols, float alpha) => throw new NotImplementedException("BroadcastRows");
}
