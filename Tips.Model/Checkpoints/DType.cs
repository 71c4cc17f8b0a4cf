namespace Tips.Model.Checkpoints;

/// <summary>Element type of an array as stored in a checkpoint file. In memory, float kinds live in a
/// <c>float[]</c> and integer kinds in an <c>int[]</c>; the dtype says how the array is written back.</summary>
public enum DType { F32, F16, BF16, F64, I32, I64, I16, I8, U8, Bool }

/// <summary>Sizes, kinds and file-format names of <see cref="DType"/>.</summary>
public static class DTypes
{
    public static int ItemSize(this DType t) => t switch
    {
        DType.F64 or DType.I64 => 8,
        DType.F32 or DType.I32 => 4,
        DType.F16 or DType.BF16 or DType.I16 => 2,
        _ => 1,
    };

    public static bool IsFloat(this DType t) => t is DType.F32 or DType.F16 or DType.BF16 or DType.F64;

    /// <summary>Name in a safetensors header.</summary>
    public static string SafetensorsName(this DType t) => t == DType.Bool ? "BOOL" : t.ToString();

    public static DType? FromSafetensorsName(string name) => name switch
    {
        "F32" => DType.F32, "F16" => DType.F16, "BF16" => DType.BF16, "F64" => DType.F64,
        "I32" => DType.I32, "I64" => DType.I64, "I16" => DType.I16, "I8" => DType.I8,
        "U8" => DType.U8, "BOOL" => DType.Bool,
        _ => null,
    };

    /// <summary>Type letters of a numpy descr (after the byte-order character); null for bfloat16, which numpy lacks.</summary>
    public static string? NpyCode(this DType t) => t switch
    {
        DType.F32 => "f4", DType.F16 => "f2", DType.F64 => "f8",
        DType.I32 => "i4", DType.I64 => "i8", DType.I16 => "i2", DType.I8 => "i1",
        DType.U8 => "u1", DType.Bool => "b1",
        _ => null,
    };

    public static DType? FromNpyCode(string code) => code switch
    {
        "f4" => DType.F32, "f2" => DType.F16, "f8" => DType.F64,
        "i4" => DType.I32, "i8" => DType.I64, "i2" => DType.I16, "i1" => DType.I8,
        "u1" => DType.U8, "b1" => DType.Bool,
        _ => null,
    };
}
