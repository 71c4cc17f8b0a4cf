"""Writes the hostile-input corpus beside this script (python3 make_corpus.py). Every file must be rejected
with one TipsException by the loader its extension names (CorpusTests); names say what each one tries.
Files named *_fuzz_* are mutants found by scripts/fuzz.sh (bugs since fixed), committed as they were found."""
import json, os, struct, zlib

here = os.path.dirname(os.path.abspath(__file__))


def out(name, data):
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)


def npy(header, body=b"", version=1):
    text = header.encode("latin1")
    pad = (64 - (10 + len(text) + 1) % 64) % 64
    text += b" " * pad + b"\n"
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<H", len(text)) + text + body


f4 = lambda shape: "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape
out("npy_huge_shape.npy", npy(f4("(100000000000, 100000000000)"), b"\0" * 16))
out("npy_shape_overflows_int64.npy", npy(f4("(4294967296, 4294967296, 16)"), b"\0" * 16))
out("npy_negative_dim.npy", npy(f4("(-1, 4)"), b"\0" * 16))
out("npy_declared_larger_than_file.npy", npy(f4("(1000000000,)"), b"\0" * 16))
out("npy_object_dtype.npy", npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", b"\0" * 16))
out("npy_complex_dtype.npy", npy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", b"\0" * 16))
out("npy_duplicated_key.npy", npy("{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", b"\0" * 16))
out("npy_header_length_past_end.npy", b"\x93NUMPY\x01\x00\xff\xff{'descr'")
out("npy_v2_header_length_4gb.npy", b"\x93NUMPY\x02\x00\xff\xff\xff\xff{'descr'")
out("npy_trailing_bytes.npy", npy(f4("(2,)"), b"\0" * 12))
out("npy_unterminated_header.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'")


def zip_archive(members, lie_size=None, crc_override=None):
    """members: list of (name, raw bytes, compress). lie_size: declared uncompressed size of every member."""
    local, central, offset = b"", b"", 0
    for name, raw, compress in members:
        data = zlib.compress(raw, 9)[2:-4] if compress else raw
        crc = crc_override if crc_override is not None else zlib.crc32(raw)
        size = lie_size if lie_size is not None else len(raw)
        method = 8 if compress else 0
        n = name.encode()
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(data), size, len(n), 0) + n
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc, len(data), size, len(n), 0, 0, 0, 0, 0, offset) + n
        local += header + data
        offset += len(header) + len(data)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0)
    return local + central + end


good = npy(f4("(2,)"), struct.pack("<2f", 1.5, -2.0))
# 1 GiB of zeros declared, 4 MiB really deflated: the declared size of the array must not be allocated, and the
# ratio of 256:1 stays under deflate's limit, so only the member/array checks can stop it.
bomb_body = npy(f4("(268435456,)"))
out("npz_zip_bomb_declared_size.npz", zip_archive([("w.npy", bomb_body + b"\0" * (1 << 22), True)], lie_size=len(bomb_body) + (1 << 30)))
out("npz_deflate_ratio_lie.npz", zip_archive([("w.npy", good, True)], lie_size=0xFFFFFF00))
out("npz_size_smaller_than_data.npz", zip_archive([("w.npy", good, True)], lie_size=20))
out("npz_duplicated_member.npz", zip_archive([("w.npy", good, False), ("w.npy", good, False)]))
out("npz_crc_mismatch.npz", zip_archive([("w.npy", good, False)], crc_override=0x12345678))
out("npz_member_not_npy.npz", zip_archive([("w.txt", b"hello", False)]))
out("npz_member_bad_npy.npz", zip_archive([("w.npy", npy(f4("(-3,)")), False)]))
out("npz_truncated_central_directory.npz", zip_archive([("w.npy", good, False)])[:-9])
out("npz_many_empty_members.npz", zip_archive([(f"m{i}.npy", b"", False) for i in range(500)]))


def safetensors(header, body=b"", length=None):
    text = (header if isinstance(header, str) else json.dumps(header)).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + body


w = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
body = struct.pack("<2f", 1.5, -2.0)
out("st_header_length_huge.safetensors", safetensors({"w": w}, body, length=(1 << 64) - 1))
out("st_header_length_past_end.safetensors", safetensors({"w": w}, body, length=1 << 20))
out("st_offsets_past_end.safetensors", safetensors({"w": dict(w, data_offsets=[0, 1 << 40])}, body))
out("st_offsets_reversed.safetensors", safetensors({"w": dict(w, data_offsets=[8, 0])}, body))
out("st_offsets_overlap.safetensors", safetensors({"w": w, "v": w}, body))
out("st_offsets_negative.safetensors", safetensors({"w": dict(w, data_offsets=[-8, 0])}, body))
out("st_shape_negative.safetensors", safetensors({"w": dict(w, shape=[-2, -1])}, body))
out("st_shape_overflows.safetensors", safetensors({"w": dict(w, shape=[4294967296, 4294967296, 4], data_offsets=[0, 0])}, b""))
out("st_shape_huge.safetensors", safetensors({"w": dict(w, shape=[1 << 40], data_offsets=[0, 1 << 42])}, body))
out("st_shape_mismatch.safetensors", safetensors({"w": dict(w, shape=[3])}, body))
out("st_unknown_dtype.safetensors", safetensors({"w": dict(w, dtype="F8_E4M3")}, body))
out("st_dtype_not_string.safetensors", safetensors({"w": dict(w, dtype=7)}, body))
out("st_duplicated_key.safetensors", safetensors('{"w": %s, "w": %s}' % (json.dumps(w), json.dumps(w)), body))
out("st_header_not_json.safetensors", safetensors("{\"w\": [1, 2", body))
out("st_header_not_object.safetensors", safetensors("[1, 2, 3]", body))
out("st_metadata_not_strings.safetensors", safetensors({"__metadata__": {"a": 1}, "w": w}, body))
out("st_too_short.safetensors", b"\x08\0\0")
out("st_deeply_nested.safetensors", safetensors("[" * 10000 + "]" * 10000, body))

# SentencePiece: a pieces field whose length varint is 2^63, and a nesting of submessages.
out("spm_length_varint_huge.model", b"\x0a" + b"\xff" * 9 + b"\x7f")
out("spm_truncated_piece.model", b"\x0a\x10\x0a\x05hello")
out("spm_empty.model", b"")

cfg = {"vision": {"width": 64, "depth": 2, "heads": 2, "mlp_dim": 256, "ffn": "mlp", "patch_size": 14, "pos_grid": 4},
       "text": {"width": 64, "depth": 2, "heads": 2, "mlp_dim": 256, "vocab_size": 1000, "max_len": 64}}


def config(name, edit):
    c = json.loads(json.dumps(cfg))
    edit(c)
    out(name, json.dumps(c).encode())


config("config_negative_width.json", lambda c: c["vision"].update(width=-64))
config("config_huge_depth.json", lambda c: c["vision"].update(depth=1000000000))
config("config_heads_do_not_divide.json", lambda c: c["text"].update(heads=3))
config("config_zero_patch.json", lambda c: c["vision"].update(patch_size=0))
config("config_width_overflows_int.json", lambda c: c["vision"].update(width=4294967296))
config("config_wrong_type.json", lambda c: c["text"].update(vocab_size="1000"))
config("config_unknown_ffn.json", lambda c: c["vision"].update(ffn="moe"))
out("config_duplicated_key.json", json.dumps(cfg).replace('"depth": 2,', '"depth": 2, "depth": 3,', 1).encode())
out("config_not_json.json", b"{\"vision\": ")
out("config_deeply_nested.json", b"[" * 10000 + b"]" * 10000)


def png(width, height, idat=None, color_type=2):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    if idat is None:
        idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


out("image_20000x20000_tiny_data.png", png(20000, 20000))
out("image_huge_declared.png", png(1 << 30, 1 << 30))
out("image_zero_width.png", png(0, 10))
out("image_bad_color_type.png", png(4, 4, color_type=5))
out("image_only_signature.png", b"\x89PNG\r\n\x1a\n")
# BMP whose header claims 100000 x -100000 pixels of 24 bits over a 60-byte file.
bmp = b"BM" + struct.pack("<IHHI", 60, 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, 100000, -100000, 1, 24, 0, 0, 0, 0, 0, 0) + b"\0" * 6
out("image_bmp_huge_negative_height.bmp", bmp)
out("image_gif_huge_screen.gif", b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\x00\x00\x00" + b",\0\0\0\0" + struct.pack("<HH", 65535, 65535) + b"\x00\x02\x02\x44\x01\x00;")
out("image_jpeg_truncated.jpg", b"\xff\xd8\xff\xc0\x00\x11\x08\x4e\x20\x4e\x20\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01")
