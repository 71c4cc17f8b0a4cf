namespace Tips.Model.Text;

/// <summary>Protobuf wire types (the subset a ModelProto can use; groups are rejected).</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}

/// <summary>
/// A minimal protobuf wire-format reader over a byte span. Every read is bounds-checked against the
/// remaining bytes, so a hostile file fails with one <see cref="TipsException"/> and never allocates
/// more than it holds.
/// </summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data, string what)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public readonly bool AtEnd => _pos >= _data.Length;

    /// <summary>Reads the next field key; false at the end of the message.</summary>
    public bool NextField(out int field, out WireType type)
    {
        field = 0;
        type = default;
        if (AtEnd) return false;
        ulong key = ReadVarint();
        int wire = (int)(key & 7);
        ulong number = key >> 3;
        if (number == 0 || number > 536_870_911) throw Error($"invalid field number {number}");
        if (wire is not (0 or 1 or 2 or 5)) throw Error($"unsupported wire type {wire} for field {number}");
        field = (int)number;
        type = (WireType)wire;
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        // Ends by the 10th byte: it may only carry the top bit of a 64-bit value, so it either overflows or is the last.
        for (int shift = 0; ; shift += 7)
        {
            if (_pos >= _data.Length) throw Error("truncated varint");
            byte b = _data[_pos++];
            if (shift == 63 && b > 1) throw Error("varint overflows 64 bits");
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
    }

    /// <summary>int32 fields are sign-extended to 64 bits on the wire; protobuf keeps the low 32 bits.</summary>
    public int ReadInt32() => unchecked((int)ReadVarint());

    public bool ReadBool() => ReadVarint() != 0;

    public float ReadFloat()
    {
        if (_data.Length - _pos < 4) throw Error("truncated fixed32");
        float v = BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(_data[_pos..]));
        _pos += 4;
        return v;
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong len = ReadVarint();
        if (len > (ulong)(_data.Length - _pos)) throw Error($"length {len} exceeds the {_data.Length - _pos} remaining bytes");
        var s = _data.Slice(_pos, (int)len);
        _pos += (int)len;
        return s;
    }

    /// <summary>Reads a field of a known type, failing if the wire type differs.</summary>
    public void Expect(WireType actual, WireType expected, int field)
    {
        if (actual != expected) throw Error($"field {field} has wire type {(int)actual}, expected {(int)expected}");
    }

    public void Skip(WireType type)
    {
        switch (type)
        {
            case WireType.Varint: ReadVarint(); break;
            case WireType.Fixed64:
                if (_data.Length - _pos < 8) throw Error("truncated fixed64");
                _pos += 8;
                break;
            case WireType.LengthDelimited: ReadBytes(); break;
            case WireType.Fixed32:
                if (_data.Length - _pos < 4) throw Error("truncated fixed32");
                _pos += 4;
                break;
        }
    }

    public readonly TipsException Error(string message) => new($"{what}: corrupt protobuf at byte {_pos}: {message}");
}
