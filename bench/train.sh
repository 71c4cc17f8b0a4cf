#!/usr/bin/env bash
# Training-step throughput on cpu: runs `tips train --until N` for each run config in bench/train/ (or the ones given)
# and prints its summary line (images/s, s/step, share of time per stage) and the per-step lines of metrics.jsonl.
# Step 0 includes one-time set-up (first use of every kernel); compare the later steps' images_per_s.
# usage: bench/train.sh [STEPS] [bench/train/X.json ...]     (STEPS default 4)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
steps="${1:-4}"
shift || true
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(bench/train/*.json)
dotnet build Tips.Train/Tips.Train.csproj -c Release -nologo -v q -clp:ErrorsOnly
for config in "${configs[@]}"; do
  out="$(mktemp -d)"
  echo "== $config ($(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  dotnet Tips.Train/bin/Release/net10.0/tips.dll train --config "$config" --out "$out" --until "$steps" 2>/dev/null | head -1
  python3 -c 'import json,sys
for l in open(sys.argv[1]):
    m=json.loads(l); t=m["step_s"]
    print("  step %d: %.2f img/s, %.3f s (data %.1f%%, forward %.1f%%, backward %.1f%%, optimizer %.1f%%) loss %s" % (m["step"], m["images_per_s"], t,
        100*m["data_s"]/t, 100*m["forward_s"]/t, 100*m["backward_s"]/t, 100*m["optimizer_s"]/t, m["loss"]))' "$out/metrics.jsonl"
  rm -rf "$out"
done
