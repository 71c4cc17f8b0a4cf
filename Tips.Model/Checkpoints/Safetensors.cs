using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Tips.Model.Checkpoints;

/// <summary>safetensors files: u64 little-endian header length, a JSON header
/// <c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}</c>, then raw
/// little-endian data. Tensors are read one at a time straight into their arrays.</summary>
internal static class Safetensors
{
    private const string MetadataKey = "__metadata__";

    /// <summary>Same cap as the reference implementation: a header beyond this is not a checkpoint.</summary>
    private const long MaxHeaderBytes = 100_000_000;

    private sealed record Entry(string Key, DType DType, int[] Shape, long Begin, long End);

    public static StateDict Read(string path)
    {
        using var file = Npy.OpenRead(path);
        var (entries, metadata, dataStart) = ReadHeader(file, path);
        var result = new StateDict(path) { Metadata = metadata };
        foreach (var e in entries)
        {
            var what = $"{path}: tensor '{e.Key}'";
            long pos = dataStart + e.Begin;
            var count = (int)((e.End - e.Begin) / e.DType.ItemSize());
            void Fill(Span<byte> span)
            {
                ReadExactlyAt(file.SafeFileHandle, span, pos, what);
                pos += span.Length;
            }
            result.Add(e.Key, ElementCodec.Read(e.DType, false, e.Shape, count, Fill, what));
        }
        return result;
    }

    public static Dictionary<string, int[]> ReadShapes(string path)
    {
        using var file = Npy.OpenRead(path);
        return ReadHeader(file, path).Entries.ToDictionary(e => e.Key, e => e.Shape);
    }

    public static void Write(string path, StateDict state, IReadOnlyDictionary<string, string>? metadata)
    {
        var header = FormatHeader(state, metadata, path);
        AtomicFile.Write(path, file =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            file.Write(length);
            file.Write(header);
            foreach (var (key, array) in state) ElementCodec.Write(array, file, $"{path}: tensor '{key}'");
        });
    }

    private static byte[] FormatHeader(StateDict state, IReadOnlyDictionary<string, string>? metadata, string path)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (key, array) in state)
            {
                if (key == MetadataKey) throw new TipsException($"{path}: '{MetadataKey}' cannot name a tensor");
                long bytes = (long)array.Length * array.DType.ItemSize();
                json.WriteStartObject(key);
                json.WriteString("dtype", array.DType.SafetensorsName());
                json.WriteStartArray("shape");
                foreach (var d in array.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        // The format allows trailing spaces in the header; padding to 8 keeps the data section aligned.
        long padded = (8 + buffer.Length + 7) / 8 * 8 - 8;
        while (buffer.Length < padded) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata, long DataStart) ReadHeader(FileStream file, string path)
    {
        long fileLength = file.Length;
        if (fileLength < 8) throw new TipsException($"{path}: too short for a safetensors file ({fileLength} bytes)");
        Span<byte> prefix = stackalloc byte[8];
        file.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8)) throw new TipsException($"{path}: safetensors header length {headerLength} exceeds the file size {fileLength}");
        if (headerLength > MaxHeaderBytes) throw new TipsException($"{path}: safetensors header length {headerLength} is implausibly large");
        var headerBytes = new byte[headerLength];
        file.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLength, dataLength = fileLength - dataStart;

        // JsonDocument checks UTF-8 only when a string is read, and then throws InvalidOperationException.
        if (!System.Text.Unicode.Utf8.IsValid(headerBytes)) throw new TipsException($"{path}: safetensors header is not valid UTF-8");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(headerBytes, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new TipsException($"{path}: safetensors header is not valid JSON ({e.Message})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new TipsException($"{path}: safetensors header is not a JSON object");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(prop.Name)) throw new TipsException($"{path}: duplicate key '{prop.Name}' in the safetensors header");
                if (prop.Name == MetadataKey) ReadMetadata(prop.Value, metadata, path);
                else entries.Add(ParseEntry(prop.Name, prop.Value, dataLength, path));
            }
            CheckNoOverlap(entries, path);
            return (entries, metadata, dataStart);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind != JsonValueKind.Object) throw new TipsException($"{path}: safetensors {MetadataKey} is not an object");
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String) throw new TipsException($"{path}: safetensors metadata '{m.Name}' is not a string");
            if (!metadata.TryAdd(m.Name, m.Value.GetString()!)) throw new TipsException($"{path}: duplicate metadata key '{m.Name}'");
        }
    }

    private static Entry ParseEntry(string key, JsonElement value, long dataLength, string path)
    {
        var what = $"{path}: tensor '{key}'";
        if (value.ValueKind != JsonValueKind.Object) throw new TipsException($"{what}: header entry is not an object");
        JsonElement? dtypeEl = null, shapeEl = null, offsetsEl = null;
        foreach (var f in value.EnumerateObject())
        {
            switch (f.Name)
            {
                case "dtype" when dtypeEl is null: dtypeEl = f.Value; break;
                case "shape" when shapeEl is null: shapeEl = f.Value; break;
                case "data_offsets" when offsetsEl is null: offsetsEl = f.Value; break;
                default: throw new TipsException($"{what}: unexpected or repeated field '{f.Name}'");
            }
        }
        if (dtypeEl is not { ValueKind: JsonValueKind.String } d) throw new TipsException($"{what}: missing or non-string 'dtype'");
        var dtype = DTypes.FromSafetensorsName(d.GetString()!) ?? throw new TipsException($"{what}: unsupported dtype '{d.GetString()}' (supported: F32 F16 BF16 F64 I64 I32 I16 I8 U8 BOOL)");
        var shape = IntegerArray(shapeEl, "shape", what);
        var offsets = IntegerArray(offsetsEl, "data_offsets", what);
        if (offsets.Length != 2) throw new TipsException($"{what}: data_offsets must be [begin, end]");
        long count = NdArray.ElementCount(shape, what);
        long begin = offsets[0], end = offsets[1];
        if (begin < 0 || end < begin || end > dataLength)
            throw new TipsException($"{what}: data_offsets [{begin}, {end}] lie outside the {dataLength}-byte data section");
        if (end - begin != count * dtype.ItemSize())
            throw new TipsException($"{what}: data_offsets span {end - begin} bytes but shape ({string.Join(", ", shape)}) of {dtype} needs {count * dtype.ItemSize()}");
        return new Entry(key, dtype, Array.ConvertAll(shape, x => (int)x), begin, end);
    }

    private static long[] IntegerArray(JsonElement? element, string field, string what)
    {
        if (element is not { ValueKind: JsonValueKind.Array } a) throw new TipsException($"{what}: missing or non-array '{field}'");
        if (a.GetArrayLength() > 32) throw new TipsException($"{what}: '{field}' has {a.GetArrayLength()} entries");
        var values = new long[a.GetArrayLength()];
        int i = 0;
        foreach (var x in a.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Number || !x.TryGetInt64(out var v))
                throw new TipsException($"{what}: '{field}' entry {x.GetRawText()} is not an integer");
            if (v < 0) throw new TipsException($"{what}: '{field}' entry {v} is negative");
            values[i++] = v;
        }
        return values;
    }

    private static void CheckNoOverlap(List<Entry> entries, string path)
    {
        var byBegin = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < byBegin.Count; i++)
            if (byBegin[i].Begin < byBegin[i - 1].End)
                throw new TipsException($"{path}: tensors '{byBegin[i - 1].Key}' and '{byBegin[i].Key}' overlap in the data section");
    }

    private static void ReadExactlyAt(SafeFileHandle handle, Span<byte> span, long position, string what)
    {
        int got = 0;
        while (got < span.Length)
        {
            int n = RandomAccess.Read(handle, span[got..], position + got);
            if (n == 0) throw new TipsException($"{what}: data ends early (truncated file)");
            got += n;
        }
    }
}
