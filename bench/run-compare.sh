#!/usr/bin/env bash
# Side-by-side cpu comparison with PyTorch, 2 threads: TIPS image tower forward (S/14, B/14 at 224 and 448 px,
# batch 1 and 8), text tower forward (64 tokens, batch 1 and 8), training steps (S/14 and B/14 at 224 px).
# One process per configuration and side (peak memory = that process's peak resident set); bench/compare_driver.py
# warms both up, then alternates their timed calls (medians of 3 rounds, 2 where a round takes over 20 s, 1 where it
# takes over 60 s), and skips what would start after the time limit. Then per-op profiles of our B/14 448 px forward
# and S/14 224 px batch-8 training step. Writes bench/results/<date>-compare-cpu.md and .json.
# Options: --rounds N (default 3), --time-limit SECONDS (default 840: on a quiet machine every configuration starts
# within it and the whole run takes ~15 minutes), --quick (batch 1 and 224 px only, 1 round, table printed only: a
# check of the pipeline, not a measurement).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds=3 limit=840 quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --time-limit) limit="$2"; shift 2 ;;
    --quick) quick=1 rounds=1; shift ;;
    *) echo "run-compare.sh: unknown argument '$1' (expected --rounds N, --time-limit SECONDS or --quick)" >&2; exit 2 ;;
  esac
done

# The system Python: python3 on PATH may be a pyenv one without Debian's torch.
py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]; then
  echo "installing python3-torch and OpenBLAS (apt)..." >&2
  apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread >&2
fi

# OpenBLAS picks its best kernel only without these overrides; both sides get 2 threads.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 DOTNET_PROCESSOR_COUNT=2

out="bench/results"
mkdir -p "$out"
date="$(date -u +%Y-%m-%d)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "BLAS alternative: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)" >&2
"$py" bench/torch_tips.py blas > "$tmp/blas.json"
cat "$tmp/blas.json" >&2
if ! grep -q openblas "$tmp/blas.json"; then
  echo "run-compare.sh: torch did not load OpenBLAS (see blas_libraries above): the reference BLAS is ~20x slower," \
       "so the comparison would be meaningless. Install libopenblas0-pthread and point the libblas.so.3 alternative" \
       "at it (update-alternatives --config libblas.so.3-x86_64-linux-gnu)." >&2
  exit 1
fi

dotnet build bench/Tips.Bench -c Release -nologo -v q -clp:ErrorsOnly >&2
ours=(dotnet bench/Tips.Bench/bin/Release/net10.0/Tips.Bench.dll model)

configs=()
for variant in S/14 B/14; do
  for size in 224 448; do
    for batch in 1 8; do
      [ "$quick" = 1 ] && { [ "$size" = 448 ] || [ "$batch" = 8 ]; } && continue
      # The slowest configuration (~2-3 minutes) goes last: under heavy load the time limit skips it, not a training step.
      [ "$variant $size $batch" = "B/14 448 8" ] && continue
      configs+=("--kind forward --tower vision --variant $variant --size $size --batch $batch")
    done
  done
  for batch in 1 8; do
    [ "$quick" = 1 ] && [ "$batch" = 8 ] && continue
    configs+=("--kind forward --tower text --variant $variant --tokens 64 --batch $batch")
  done
done
configs+=("--kind train --tower vision --variant S/14 --size 224 --batch 1")
[ "$quick" = 1 ] || configs+=("--kind train --tower vision --variant S/14 --size 224 --batch 8")
configs+=("--kind train --tower vision --variant B/14 --size 224 --batch 1")
[ "$quick" = 1 ] || configs+=("--kind train --tower vision --variant B/14 --size 224 --batch 8")
[ "$quick" = 1 ] || configs+=("--kind forward --tower vision --variant B/14 --size 448 --batch 8")

# The driver fails only after running every configuration it could; the table marks the missing ones n/a.
"$py" bench/compare_driver.py --ours "${ours[*]}" --torch "$py bench/torch_tips.py run" --rounds "$rounds" \
  --time-limit "$limit" "${configs[@]}" | tee "$tmp/lines.jsonl" >&2 || echo "run-compare.sh: some configurations failed (see above)" >&2

echo "== per-op profiles of our B/14 448 px forward and S/14 224 px batch-8 training step" >&2
"${ours[@]}" --kind forward --tower vision --variant B/14 --size 448 --batch 1 --min-reps 1 --budget 0 --profile > "$tmp/profile-forward.json"
profiles=("$tmp/profile-forward.json")
if [ "$quick" = 0 ]; then
  "${ours[@]}" --kind train --tower vision --variant S/14 --size 224 --batch 8 --min-reps 1 --budget 0 --profile > "$tmp/profile-train.json"
  profiles+=("$tmp/profile-train.json")
fi

# A --quick run only checks the pipeline: its table is printed, not written to bench/results.
[ "$quick" = 1 ] && out="$tmp"
"$py" bench/compare_report.py "$tmp/lines.jsonl" "$tmp/blas.json" "$out/$date-compare-cpu.md" "$out/$date-compare-cpu.json" "${profiles[@]}"
# Other work on the 2 cores inflates both columns: record how busy the machine was.
printf '\nLoad average (1, 5, 15 min) at start: %s; at end: %s.\n' "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  >> "$out/$date-compare-cpu.md"
[ "$quick" = 1 ] || echo "wrote $out/$date-compare-cpu.md and .json" >&2
