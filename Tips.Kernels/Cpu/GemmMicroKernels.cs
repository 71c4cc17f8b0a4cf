using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tips.Kernels;

/// <summary>
/// Register-blocked GEMM micro-kernels over packed panels: a is kc x MR (MR values per k step), b is kc x NR.
/// The tile stored at c is alpha * a b + beta * c, and c is not read when beta == 0.
/// Versions: 8x32 Vector512 (16 zmm accumulators, kept for attention's tiles); 12x32 Vector512 for the packed GEMM
/// (24 accumulators: in an L1-resident loop 8x32 and 12x32 both run near the FMA peak, but 12x32 loads half as many
/// B vectors per flop from L2, where the GEMM streams B from); 6x16 Vector256 for machines without AVX-512
/// (12 ymm accumulators fit the 16 AVX2 registers).
/// </summary>
internal static unsafe class GemmMicroKernels
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel8x32(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        // C is touched once per Kc block and is usually out of cache: start its loads now, hidden behind the k loop.
        for (int r = 0; r < 8; r++)
        {
            Sse.Prefetch0(c + r * ldc);
            Sse.Prefetch0(c + r * ldc + 16);
        }
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            a += 8;
            b += 32;
        }
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        bool read = beta != 0f;
        Store(c, c00, c01, va, vb, read);
        Store(c + ldc, c10, c11, va, vb, read);
        Store(c + 2 * ldc, c20, c21, va, vb, read);
        Store(c + 3 * ldc, c30, c31, va, vb, read);
        Store(c + 4 * ldc, c40, c41, va, vb, read);
        Store(c + 5 * ldc, c50, c51, va, vb, read);
        Store(c + 6 * ldc, c60, c61, va, vb, read);
        Store(c + 7 * ldc, c70, c71, va, vb, read);
    }

    /// <summary>
    /// 12 x 32 tile: 24 zmm accumulators, 2 B loads and 12 broadcasts (memory operands, no shuffle port) per 24 FMAs,
    /// so the two FMA ports, not the loads, set the pace. The JIT keeps all 24 accumulators in registers (checked with
    /// DOTNET_JitDisasm: no spills in the k loop).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel12x32(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default,
            c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default,
            c80 = default, c81 = default, c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        // C is touched once per Kc block and is usually out of cache: start its loads now, hidden behind the k loop.
        for (int r = 0; r < 12; r++)
        {
            Sse.Prefetch0(c + r * ldc);
            Sse.Prefetch0(c + r * ldc + 16);
        }
        // Two k steps per pass: the loop's pointer and counter updates would otherwise take a tenth of the
        // 4-wide issue that the 24 FMAs, 2 loads and 12 broadcasts of a step already fill to 87% (about +10%
        // measured in an L1/L2-resident loop).
        int p = 0;
        for (; p + 2 <= kc; p += 2)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a[8]);
            c80 = Vector512.FusedMultiplyAdd(x, b0, c80);
            c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a[9]);
            c90 = Vector512.FusedMultiplyAdd(x, b0, c90);
            c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(a[10]);
            c100 = Vector512.FusedMultiplyAdd(x, b0, c100);
            c101 = Vector512.FusedMultiplyAdd(x, b1, c101);
            x = Vector512.Create(a[11]);
            c110 = Vector512.FusedMultiplyAdd(x, b0, c110);
            c111 = Vector512.FusedMultiplyAdd(x, b1, c111);
            b0 = Vector512.Load(b + 32);
            b1 = Vector512.Load(b + 48);
            x = Vector512.Create(a[12]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[13]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[14]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[15]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[16]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[17]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[18]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[19]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a[20]);
            c80 = Vector512.FusedMultiplyAdd(x, b0, c80);
            c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a[21]);
            c90 = Vector512.FusedMultiplyAdd(x, b0, c90);
            c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(a[22]);
            c100 = Vector512.FusedMultiplyAdd(x, b0, c100);
            c101 = Vector512.FusedMultiplyAdd(x, b1, c101);
            x = Vector512.Create(a[23]);
            c110 = Vector512.FusedMultiplyAdd(x, b0, c110);
            c111 = Vector512.FusedMultiplyAdd(x, b1, c111);
            a += 24;
            b += 64;
        }
        if (p < kc)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a[8]);
            c80 = Vector512.FusedMultiplyAdd(x, b0, c80);
            c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a[9]);
            c90 = Vector512.FusedMultiplyAdd(x, b0, c90);
            c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(a[10]);
            c100 = Vector512.FusedMultiplyAdd(x, b0, c100);
            c101 = Vector512.FusedMultiplyAdd(x, b1, c101);
            x = Vector512.Create(a[11]);
            c110 = Vector512.FusedMultiplyAdd(x, b0, c110);
            c111 = Vector512.FusedMultiplyAdd(x, b1, c111);
        }
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        bool read = beta != 0f;
        Store(c, c00, c01, va, vb, read);
        Store(c + ldc, c10, c11, va, vb, read);
        Store(c + 2 * ldc, c20, c21, va, vb, read);
        Store(c + 3 * ldc, c30, c31, va, vb, read);
        Store(c + 4 * ldc, c40, c41, va, vb, read);
        Store(c + 5 * ldc, c50, c51, va, vb, read);
        Store(c + 6 * ldc, c60, c61, va, vb, read);
        Store(c + 7 * ldc, c70, c71, va, vb, read);
        Store(c + 8 * ldc, c80, c81, va, vb, read);
        Store(c + 9 * ldc, c90, c91, va, vb, read);
        Store(c + 10 * ldc, c100, c101, va, vb, read);
        Store(c + 11 * ldc, c110, c111, va, vb, read);
    }

    /// <summary>
    /// <see cref="Kernel8x32"/> with A read in place from 8 rows of a row-major matrix (a[r * lda + p]) instead of a
    /// packed panel: the broadcasts load one float each either way, so attention multiplies its probability
    /// tiles without transposing them into panels first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel8x32RowMajorA(int kc, float* a, int lda, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        float* a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a0[p]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[p]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[p]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[p]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[p]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a5[p]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[p]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a7[p]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            b += 32;
        }
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        bool read = beta != 0f;
        Store(c, c00, c01, va, vb, read);
        Store(c + ldc, c10, c11, va, vb, read);
        Store(c + 2 * ldc, c20, c21, va, vb, read);
        Store(c + 3 * ldc, c30, c31, va, vb, read);
        Store(c + 4 * ldc, c40, c41, va, vb, read);
        Store(c + 5 * ldc, c50, c51, va, vb, read);
        Store(c + 6 * ldc, c60, c61, va, vb, read);
        Store(c + 7 * ldc, c70, c71, va, vb, read);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> va, Vector512<float> vb, bool read)
    {
        if (read)
        {
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c), x0 * va).Store(c);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c + 16), x1 * va).Store(c + 16);
        }
        else
        {
            (x0 * va).Store(c);
            (x1 * va).Store(c + 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel6x16(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            a += 6;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        bool read = beta != 0f;
        Store(c, c00, c01, va, vb, read);
        Store(c + ldc, c10, c11, va, vb, read);
        Store(c + 2 * ldc, c20, c21, va, vb, read);
        Store(c + 3 * ldc, c30, c31, va, vb, read);
        Store(c + 4 * ldc, c40, c41, va, vb, read);
        Store(c + 5 * ldc, c50, c51, va, vb, read);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> x0, Vector256<float> x1, Vector256<float> va, Vector256<float> vb, bool read)
    {
        if (read)
        {
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c), x0 * va).Store(c);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c + 8), x1 * va).Store(c + 8);
        }
        else
        {
            (x0 * va).Store(c);
            (x1 * va).Store(c + 8);
        }
    }
}
