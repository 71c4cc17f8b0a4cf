namespace Tips.Model.Checkpoints;

/// <summary>A dense row-major array read from or written to a checkpoint: a shape, the dtype it is stored
/// as, and its elements (float kinds in <see cref="Floats"/>, integer kinds in <see cref="Ints"/>).</summary>
public sealed class NdArray
{
    /// <summary>Largest element count an array may have (the .NET array limit).</summary>
    public static long MaxElements => Array.MaxLength;

    private readonly float[]? floats;
    private readonly int[]? ints;

    private NdArray(int[] shape, DType dtype, float[]? floats, int[]? ints)
    {
        Shape = shape;
        DType = dtype;
        this.floats = floats;
        this.ints = ints;
    }

    /// <summary>Dimensions; empty for a 0-d (scalar) array.</summary>
    public int[] Shape { get; }

    public DType DType { get; }

    public int Length => floats?.Length ?? ints!.Length;

    public bool IsFloat => floats is not null;

    /// <summary>The elements of a float array (F32/F16/BF16/F64 on disk).</summary>
    public float[] Floats => floats ?? throw new TipsException($"array of dtype {DType} holds integers, not floats");

    /// <summary>The elements of an integer array (I32/I64/I16/I8/U8/Bool on disk).</summary>
    public int[] Ints => ints ?? throw new TipsException($"array of dtype {DType} holds floats, not integers");

    public static NdArray FromFloats(float[] data, int[] shape, DType dtype = DType.F32)
    {
        if (!dtype.IsFloat()) throw new TipsException($"dtype {dtype} is not a float type");
        CheckLength(data.Length, shape);
        return new NdArray((int[])shape.Clone(), dtype, data, null);
    }

    public static NdArray FromInts(int[] data, int[] shape, DType dtype = DType.I32)
    {
        if (dtype.IsFloat()) throw new TipsException($"dtype {dtype} is not an integer type");
        CheckLength(data.Length, shape);
        return new NdArray((int[])shape.Clone(), dtype, null, data);
    }

    /// <summary>A 0-d float array (e.g. the text tower's <c>temperature</c>).</summary>
    public static NdArray Scalar(float value, DType dtype = DType.F32) => FromFloats([value], [], dtype);

    /// <summary>The single element of a one-element float array (0-d or any shape of size 1).</summary>
    public float ScalarValue => Floats.Length == 1 ? Floats[0] : throw new TipsException($"array of shape {ShapeString(Shape)} is not a scalar");

    /// <summary>The same elements, written back as another dtype of the same kind (float or integer).</summary>
    public NdArray WithDType(DType dtype) => floats is not null ? FromFloats(floats, Shape, dtype) : FromInts(ints!, Shape, dtype);

    public static string ShapeString(IReadOnlyList<int> shape) => "(" + string.Join(", ", shape) + (shape.Count == 1 ? ",)" : ")");

    /// <summary>Product of declared dimensions, overflow-checked and capped at <see cref="MaxElements"/>.</summary>
    public static long ElementCount(IReadOnlyList<long> shape, string what)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new TipsException($"{what}: negative dimension {d} in shape ({string.Join(", ", shape)})");
            if (d > int.MaxValue) throw new TipsException($"{what}: dimension {d} too large in shape ({string.Join(", ", shape)})");
            if (d != 0 && n > MaxElements / d) n = MaxElements + 1;
            else n *= d;
        }
        if (n > MaxElements) throw new TipsException($"{what}: shape ({string.Join(", ", shape)}) has more than {MaxElements} elements");
        return n;
    }

    private static void CheckLength(int length, int[] shape)
    {
        var n = ElementCount(Array.ConvertAll(shape, d => (long)d), "array");
        if (n != length) throw new TipsException($"array of {length} elements does not match shape {ShapeString(shape)}");
    }
}
