#!/usr/bin/env bash
# GPU check for a machine with CUDA: builds, runs the kernel suites on the `cuda` backend, times the kernels and
# the forward and training steps of the TIPS towers against the device's measured FP32 FMA peak, and prints one
# table. Stays under 8 minutes.
# Outputs (test logs, trx, bench report) go to $OUT when set, else to artifacts/gpu-check.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT:-$root/artifacts/gpu-check}"
mkdir -p "$out"
cd "$root"
start=$(date +%s)

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"

# The CUDA test classes are compiled only with TIPS_TEST_CUDA=1 (tests/Tips.Tests/Tips.Tests.csproj); they fail,
# not skip, when no CUDA device is found.
export TIPS_TEST_CUDA=1
build_rc=0
timeout 240 dotnet build "$root/tests/Tips.Tests/Tips.Tests.csproj" -c Release -nologo -v q -clp:ErrorsOnly \
    >"$out/build.log" 2>&1 || build_rc=$?

test_rc=0
if [ "$build_rc" -eq 0 ]; then
    timeout 240 dotnet test "$root/tests/Tips.Tests/Tips.Tests.csproj" -c Release --no-build -nologo \
        --filter "FullyQualifiedName~IlgpuCuda|FullyQualifiedName~IlgpuPtxTests" \
        --logger "trx;LogFileName=cuda-tests.trx" --results-directory "$out" >"$out/tests.log" 2>&1 || test_rc=$?
fi

# Kernels against the device's measured peak, then the model steps of the PyTorch comparison's shapes as TFLOP/s.
bench_status="not run"
bench="$root/bench/Tips.Bench/bin/Release/net10.0/Tips.Bench.dll"
if [ "$build_rc" -eq 0 ] && timeout 150 dotnet build "$root/bench/Tips.Bench" -c Release -nologo -v q -clp:ErrorsOnly >"$out/bench-build.log" 2>&1; then
    : >"$out/models.jsonl"
    while read -r kind tower variant size batch; do
        [ $(( 420 - ($(date +%s) - start) )) -gt 60 ] || break
        shape=$([ "$tower" = text ] && echo "--tokens $size" || echo "--size $size")
        timeout 60 dotnet "$bench" model --device cuda --kind "$kind" --tower "$tower" --variant "$variant" $shape \
            --batch "$batch" --budget 2 --min-reps 3 --max-reps 7 >>"$out/models.jsonl" 2>>"$out/models.log" \
            || echo "model $kind $tower $variant $size b$batch failed or timed out" >>"$out/models.log"
    done <<'CONFIGS'
forward vision S/14 224 1
forward vision S/14 224 8
forward vision S/14 448 1
forward vision B/14 224 1
forward vision B/14 224 8
forward vision B/14 448 1
forward vision B/14 448 8
forward text S/14 64 8
forward text B/14 64 8
train vision S/14 224 8
train vision B/14 224 1
train vision B/14 224 8
CONFIGS
    left=$(( 470 - ($(date +%s) - start) ))
    if [ "$left" -gt 20 ] && timeout "$left" dotnet "$bench" device --device cuda --models "$out/models.jsonl" >"$out/bench.log" 2>&1; then
        bench_status="ok (bench.log, models.jsonl)"
    else
        bench_status="failed or out of time (bench.log, models.log)"
    fi
else
    bench_status="bench build failed (bench-build.log)"
fi

passed=$(grep -oE 'Passed: +[0-9]+' "$out/tests.log" 2>/dev/null | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$out/tests.log" 2>/dev/null | awk '{s+=$2} END {print s+0}')
{
    printf '%-28s %s\n' "check" "result"
    printf '%-28s %s\n' "build" "$([ "$build_rc" -eq 0 ] && echo ok || echo "FAILED (build.log)")"
    printf '%-28s %s\n' "cuda kernel tests" "passed $passed, failed $failed, rc $test_rc (tests.log)"
    grep -E '^\s+Failed ' "$out/tests.log" 2>/dev/null | sed -E 's/^\s+Failed /  failed: /' | head -20
    printf '%-28s %s\n' "kernel benchmarks" "$bench_status"
    [ -f "$out/bench.log" ] && grep -E '^\|' "$out/bench.log" | tail -40
    printf '%-28s %s\n' "wall time" "$(( $(date +%s) - start )) s"
} | tee "$out/summary.txt"

[ "$build_rc" -eq 0 ] && [ "$test_rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
