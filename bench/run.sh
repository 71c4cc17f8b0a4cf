#!/usr/bin/env bash
# Quick benchmark table (Stopwatch medians) + bench/results/<date>-cpu.json. Extra arguments go to the summary mode
# (--reps N, --budget SECONDS, --filter TEXT). Full BenchmarkDotNet runs: dotnet run -c Release --project
# bench/Tips.Bench -- bdn --filter '*Gemm*'
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dotnet run -c Release --project bench/Tips.Bench -- summary "$@"
