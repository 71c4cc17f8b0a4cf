using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tips.Kernels;

/// <summary>
/// 8 x 8 float transposes in AVX registers (unpack, shuffle, lane permute), used by the GEMM and attention packs.
/// Callers check <see cref="Avx.IsSupported"/>.
/// </summary>
internal static unsafe class Transpose8x8
{
    /// <summary>d[j * ldd + i] = s[i * lds + j] for i, j &lt; 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Strided(float* s, int lds, float* d, int ldd) =>
        Store(Avx.LoadVector256(s), Avx.LoadVector256(s + lds), Avx.LoadVector256(s + 2L * lds), Avx.LoadVector256(s + 3L * lds),
            Avx.LoadVector256(s + 4L * lds), Avx.LoadVector256(s + 5L * lds), Avx.LoadVector256(s + 6L * lds), Avx.LoadVector256(s + 7L * lds), d, ldd);

    /// <summary>d[j * ldd + i] = rows[i][d0 + j] for i, j &lt; 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows(float** rows, int d0, float* d, int ldd) =>
        Store(Avx.LoadVector256(rows[0] + d0), Avx.LoadVector256(rows[1] + d0), Avx.LoadVector256(rows[2] + d0), Avx.LoadVector256(rows[3] + d0),
            Avx.LoadVector256(rows[4] + d0), Avx.LoadVector256(rows[5] + d0), Avx.LoadVector256(rows[6] + d0), Avx.LoadVector256(rows[7] + d0), d, ldd);

    /// <summary>Stores the transpose of the 8 rows r0..r7 as 8 rows of d (stride ldd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* d, int ldd)
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3 * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5 * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7 * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }
}
