"""The TIPS towers as plain PyTorch modules, timed the way bench/Tips.Bench times ours (the `model` mode).

One configuration per process, so ru_maxrss is that configuration's peak. Prints one JSON line.
  torch_tips.py blas                                   which BLAS torch loaded (JSON line)
  torch_tips.py run --kind forward|train --tower vision|text --variant S/14|B/14 --size 448 --batch 1
                    [--tokens 64] [--threads 2] [--budget 10] [--min-reps 3] [--max-reps 9] [--serve]
Random weights N(0, 0.02) (as Init.Normal on our side). The training step is the same objective on both sides:
a Linear(D, 1000) head on CLS1, cross-entropy against fixed labels, mean over the batch, backward, AdamW
(lr 1e-4, betas 0.9/0.999, eps 1e-8, weight decay 0.05 on every parameter).
"""
import argparse
import json
import math
import re
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# width, depth, heads, mlp hidden (vision and text), as docs/tips-model.md.
VARIANTS = {"S/14": (384, 12, 6, 1536), "B/14": (768, 12, 12, 3072)}
PATCH, POS_GRID, VOCAB, MAX_LEN, CLASSES = 14, 32, 32000, 64, 1000


class LayerScale(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * self.gamma


class Attention(nn.Module):
    """DINOv2's attention: fused qkv, q scaled by head_dim ** -0.5, softmax, proj."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.scale = (d // heads) ** -0.5
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        a = (q @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((a @ v).transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.fc1 = nn.Linear(d, hidden)
        self.act = nn.GELU()  # exact erf GELU
        self.fc2 = nn.Linear(hidden, d)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class VisionBlock(nn.Module):
    def __init__(self, d, heads, hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(d, eps=1e-6)
        self.attn = Attention(d, heads)
        self.ls1 = LayerScale(d)
        self.norm2 = nn.LayerNorm(d, eps=1e-6)
        self.mlp = Mlp(d, hidden)
        self.ls2 = LayerScale(d)

    def forward(self, x):
        x = x + self.ls1(self.attn(self.norm1(x)))
        return x + self.ls2(self.mlp(self.norm2(x)))


class VisionTower(nn.Module):
    """Patch conv, CLS1 + positions (resampled antialiased bilinear off the 32x32 grid), CLS2 after the position
    add, pre-norm blocks with layer scale, final norm over every token."""

    def __init__(self, d, depth, heads, hidden):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, d, PATCH, PATCH)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + POS_GRID * POS_GRID, d))
        self.register_tokens = nn.Parameter(torch.zeros(1, 1, d))
        self.blocks = nn.ModuleList([VisionBlock(d, heads, hidden) for _ in range(depth)])
        self.norm = nn.LayerNorm(d, eps=1e-6)

    def forward(self, images):
        b, _, h, w = images.shape
        gh, gw = h // PATCH, w // PATCH
        x = self.patch_embed(images).flatten(2).transpose(1, 2)
        d = x.shape[-1]
        pos = self.pos_embed[:, 1:]
        if (gh, gw) != (POS_GRID, POS_GRID):
            grid = pos.reshape(1, POS_GRID, POS_GRID, d).permute(0, 3, 1, 2)
            grid = F.interpolate(grid, size=(gh, gw), mode="bilinear", antialias=True, align_corners=False)
            pos = grid.permute(0, 2, 3, 1).reshape(1, gh * gw, d)
        x = torch.cat([(self.cls_token + self.pos_embed[:, :1]).expand(b, -1, -1), x + pos], dim=1)
        x = torch.cat([x[:, :1], self.register_tokens.expand(b, -1, -1), x[:, 1:]], dim=1)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)


class TextBlock(nn.Module):
    def __init__(self, d, heads, hidden):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)
        self.c_fc = nn.Linear(d, hidden)
        self.c_proj = nn.Linear(hidden, d)
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)

    def forward(self, x, pad, keep):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, key_padding_mask=pad, need_weights=False)[0]
        return x + keep * self.c_proj(keep * F.relu(self.c_fc(self.ln_2(x))))


class TextTower(nn.Module):
    """embedding * sqrt(D) + sinusoidal table, bidirectional blocks with key padding, ln_final, masked mean."""

    def __init__(self, d, depth, heads, hidden):
        super().__init__()
        self.token_embedding = nn.Embedding(VOCAB, d)
        self.blocks = nn.ModuleList([TextBlock(d, heads, hidden) for _ in range(depth)])
        self.ln_final = nn.LayerNorm(d, eps=1e-5)
        n = d // 2
        inv = torch.exp(-torch.arange(n, dtype=torch.float64) * (math.log(10000.0) / max(n - 1, 1)))
        ang = torch.arange(MAX_LEN, dtype=torch.float64)[:, None] * inv[None]
        self.register_buffer("pe", torch.cat([ang.sin(), ang.cos()], dim=1).float())

    def forward(self, ids):
        d = self.pe.shape[1]
        pad = ids == 0
        keep = (~pad).float()[..., None]
        x = self.token_embedding(ids) * math.sqrt(d) + self.pe[: ids.shape[1]]
        for blk in self.blocks:
            x = blk(x, pad, keep)
        x = self.ln_final(x)
        return (x * keep).sum(1) / (keep.sum(1) + 1e-8)


def text_ids(batch, tokens):
    """Text b has 64 - (5 b mod 24) real tokens then padding; ids as bench/Tips.Bench/ModelInputs.cs."""
    ids = torch.zeros(batch, tokens, dtype=torch.long)
    for b in range(batch):
        for t in range(tokens - (5 * b) % 24):
            ids[b, t] = 1 + (b * 131 + t * 7919) % (VOCAB - 1)
    return ids


def images(batch, size):
    """Pixels in [0, 1] from a fixed generator (values differ from ours; only shapes matter for timing)."""
    return torch.rand(batch, 3, size, size, generator=torch.Generator().manual_seed(2))


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def time_calls(fn, budget, min_reps, max_reps):
    fn()  # warm-up (allocator, OpenBLAS buffers, oneDNN primitives)
    times, start = [], time.perf_counter()
    while len(times) < max_reps and (len(times) < min_reps or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def serve(fn):
    """After one warm-up call, one timed call per "step" line on stdin (its seconds as a JSON line) until "end":
    bench/compare_driver.py alternates these calls with ours."""
    fn()
    print(json.dumps({"ready": True}), flush=True)
    times = []
    for line in sys.stdin:
        command = line.strip()
        if command == "end":
            break
        if command != "step":
            raise SystemExit(f"torch_tips.py: unknown command '{command}' (expected step or end)")
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        print(json.dumps({"s": round(times[-1], 5), "cpu_s": round(time.process_time() - c0, 5)}), flush=True)
    if not times:
        raise SystemExit("torch_tips.py: no step was timed")
    return times


def run(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    d, depth, heads, hidden = VARIANTS[args.variant]
    model = (VisionTower if args.tower == "vision" else TextTower)(d, depth, heads, hidden)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.02)
    x = images(args.batch, args.size) if args.tower == "vision" else text_ids(args.batch, args.tokens)

    if args.kind == "forward":
        model.eval()

        def step():
            with torch.no_grad():
                model(x)
    else:
        if args.tower != "vision":
            raise SystemExit("training is timed for the vision tower only")
        head = nn.Linear(d, CLASSES)
        with torch.no_grad():
            head.weight.normal_(0.0, 0.02)
            head.bias.normal_(0.0, 0.02)
        labels = torch.tensor([(37 * b) % CLASSES for b in range(args.batch)])
        params = list(model.parameters()) + list(head.parameters())
        opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05)
        model.train()

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(head(model(x)[:, 0]), labels)
            loss.backward()
            opt.step()

    before = rss_mb()
    times = serve(step) if args.serve else time_calls(step, args.budget, args.min_reps, args.max_reps)
    ordered = sorted(times)
    h = len(ordered) // 2
    median = ordered[h] if len(ordered) % 2 else (ordered[h - 1] + ordered[h]) / 2
    print(json.dumps({
        "side": "torch", "kind": args.kind, "tower": args.tower, "variant": args.variant,
        "size": args.size if args.tower == "vision" else None,
        "tokens": args.tokens if args.tower == "text" else None,
        "batch": args.batch, "threads": torch.get_num_threads(),
        "median_s": round(median, 5), "min_s": round(ordered[0], 5), "reps": len(times),
        "times_s": [round(t, 4) for t in times],
        "rss_before_mb": round(before, 1),
        # ru_maxrss is in KiB on Linux.
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }), flush=True)


def blas():
    """The BLAS library torch really loaded (after one matmul), from /proc/self/maps, and its build summary."""
    torch.set_num_threads(2)
    a = torch.randn(256, 256)
    (a @ a).sum().item()
    with open("/proc/self/maps") as f:
        libs = sorted({line.split()[-1] for line in f if "blas" in line.split()[-1].lower()})
    config = torch.__config__.show()
    print(json.dumps({
        "torch": torch.__version__,
        "blas_libraries": libs,
        "build": re.findall(r"(?:BLAS_INFO|LAPACK_INFO)=\w+|CPU capability usage: \w+", config),
    }), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    sub.add_parser("blas")
    r = sub.add_parser("run")
    r.add_argument("--kind", choices=["forward", "train"], required=True)
    r.add_argument("--tower", choices=["vision", "text"], required=True)
    r.add_argument("--variant", choices=sorted(VARIANTS), required=True)
    r.add_argument("--size", type=int, default=448)
    r.add_argument("--tokens", type=int, default=64)
    r.add_argument("--batch", type=int, default=1)
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--budget", type=float, default=10.0)
    r.add_argument("--min-reps", type=int, default=3)
    r.add_argument("--max-reps", type=int, default=9)
    r.add_argument("--serve", action="store_true", help="timed calls on request from stdin (compare_driver.py)")
    args = parser.parse_args()
    if args.mode == "blas":
        blas()
        return
    if args.size % PATCH or args.size <= 0:
        parser.error(f"--size {args.size} is not a positive multiple of {PATCH}")
    if not 1 <= args.tokens <= MAX_LEN:
        parser.error(f"--tokens {args.tokens} outside 1..{MAX_LEN}")
    run(args)


if __name__ == "__main__":
    sys.exit(main())
