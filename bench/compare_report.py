"""Joins the JSON lines of bench/run-compare.sh (ours and torch, one per configuration) into a markdown table and a
JSON document, with the per-op profiles of some of our calls (a forward, a training step). Usage:
compare_report.py LINES.jsonl BLAS.json OUT.md OUT.json PROFILE.json..."""
import json
import sys
import time

# Targets of the issue (2 cores): forward at least 2x faster than PyTorch for B/14 at 448 px and faster for every
# other shape; training step faster than PyTorch for every shape.
TARGET_SPEEDUP = {("forward", "vision", "B/14", 448): 2.0}


def key(r):
    return (r["kind"], r["tower"], r["variant"], r.get("size"), r.get("tokens"), r["batch"])


def shape(r):
    where = f"{r['size']} px" if r["tower"] == "vision" else f"{r['tokens']} tokens"
    return f"{r['tower']} {r['variant']} {where}, batch {r['batch']}"


def family(name):
    """The op family of a profiled op name; GEMMs split into forward (NT: x W^T) and backward (NN: dX, TN: dW)."""
    if name.startswith("Gemm"):
        return "GEMM forward (NT)" if name.split()[1] == "NT" else "GEMM backward (NN dX, TN dW)"
    for prefix, group in (("AttentionForward", "attention forward"), ("AttentionBackward", "attention backward"),
                          ("Activation", "GELU (forward, backward)"), ("LayerNorm", "LayerNorm"),
                          ("ScaledResidual", "residual (layer scale)"), ("AdamW", "AdamW"),
                          ("Fill", "zero-fill (gradients)")):
        if name.startswith(prefix):
            return group
    return "other ops"


def profile_table(p):
    """Our per-op times of one call by op family, with the process CPU seconds (CPU / wall near 1: one core busy),
    and the time outside any op."""
    groups = {}
    for op in p["profile"]:
        g = groups.setdefault(family(op["op"]), [0.0, 0.0])
        g[0] += op["s"]
        g[1] += op.get("cpu_s", float("nan"))
    total = p["profile_total_s"]
    outside = max(0.0, total - sum(s for s, _ in groups.values()))
    where = f"{p['variant']} at {p['size']} px, batch {p['batch']}"
    cpu = p.get("profile_cpu_s")
    lines = [f"Where our time goes: one {'training step' if p['kind'] == 'train' else 'forward'} of the vision tower "
             f"{where}, {total:.3f} s" + (f" ({cpu:.3f} CPU s)" if cpu is not None else "") +
             ", per op family (wall clock and process CPU time around each backend call):", "",
             "| part | s | share | CPU s |", "|---|---:|---:|---:|"]
    for g, (s, c) in sorted(groups.items(), key=lambda kv: -kv[1][0]):
        lines.append(f"| {g} | {s:.3f} | {100 * s / total:.1f}% | {'n/a' if c != c else f'{c:.3f}'} |")
    lines.append(f"| outside the backend (model/tape glue) | {outside:.3f} | {100 * outside / total:.1f}% | |")
    top = ", ".join(f"{o['op']} x{o['calls']} {o['s']:.3f} s" for o in p["profile"][:8])
    return lines + ["", f"Largest ops: {top}."]


def main(lines_path, blas_path, md_path, json_path, *profile_paths):
    rows = {}
    for line in open(lines_path):
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            rows.setdefault(key(r), {})[r["side"]] = r
    blas = json.load(open(blas_path))
    table, results, held = [], [], []
    for k in sorted(rows, key=lambda k: (k[0] != "forward", k[1] != "vision", k[2], k[3] or 0, k[5])):
        ours, torch = rows[k].get("ours"), rows[k].get("torch")
        ratio = torch["median_s"] / ours["median_s"] if ours and torch else None
        need = TARGET_SPEEDUP.get(k[:4], 1.0)
        ok = None if ratio is None else ratio >= need if need > 1 else ratio > need
        if ok is not None:
            held.append(ok)
        name = shape(ours or torch)
        cell = lambda r, f, fmt: fmt.format(r[f]) if r else "n/a"
        table.append(f"| {k[0]} | {name} | {cell(ours, 'median_s', '{:.3f}')} | {cell(torch, 'median_s', '{:.3f}')} | "
                     f"{'n/a' if ratio is None else f'{ratio:.2f}x'} | {'>= 2x' if need > 1 else '> 1x'} | {'n/a' if ok is None else 'yes' if ok else 'NO'} | "
                     f"{cell(ours, 'peak_mb', '{:.0f}')} | {cell(torch, 'peak_mb', '{:.0f}')} | "
                     f"{cell(ours, 'reps', '{}')} / {cell(torch, 'reps', '{}')} | {cell(ours or torch, 'load1', '{:.1f}') if (ours or torch).get('load1') is not None else 'n/a'} |")
        results.append({"config": name, "kind": k[0], "ours": ours, "torch": torch,
                        "speedup": None if ratio is None else round(ratio, 3), "target": need, "target_held": ok})
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    md = [f"# TIPS on cpu: ours vs PyTorch ({date})", "",
          f"2 threads on both sides; PyTorch {blas['torch']} ({', '.join(blas['build'])}), BLAS loaded: "
          f"{', '.join(blas['blas_libraries'])}. Random weights N(0, 0.02). Times are medians of one process per "
          "configuration and side, both warmed up by one call, then their timed calls alternating (bench/compare_driver.py); "
          "peak = the process's peak resident set (VmHWM / ru_maxrss), "
          "PyTorch's including its ~300 MiB of libraries. Speedup = torch median / our median. Training step = "
          "forward + Linear(D, 1000) head on CLS1 + cross-entropy + backward + AdamW, same on both sides.", "",
          "| kind | configuration | ours s | torch s | speedup | target | held | ours peak MiB | torch peak MiB | reps ours / torch | load |",
          "|---|---|---:|---:|---:|---|---|---:|---:|---|---:|", *table, "",
          f"Targets held: {sum(held)} of {len(held)} measured on both sides ({len(table)} configurations). "
          "Load = the 1-minute load average when the configuration started (2 cores: above ~2 other work shared them)."]
    profiles = [json.load(open(path)) for path in profile_paths]
    for profile in profiles:
        md += ["", *profile_table(profile)]
    with open(md_path, "w") as f:
        f.write("\n".join(md) + "\n")
    with open(json_path, "w") as f:
        json.dump({"date": date, "blas": blas, "results": results, "profiles": profiles}, f, indent=2)
        f.write("\n")
    print("\n".join(md))


if __name__ == "__main__":
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
