#!/usr/bin/env bash
# Long-run stability: trains the tiny model for STEPS (default 2000) steps alone in one test process and prints the
# working set, its peak, the managed heap and the backend's bytes at steps 50, 100, STEPS/2 and STEPS.
# usage: scripts/soak.sh [STEPS=2000]
set -euo pipefail
cd "$(dirname "$0")/.."
export TIPS_SOAK_STEPS="${1:-2000}"
dotnet test tests/Tips.Tests/Tips.Tests.csproj -c Release -nologo --filter "FullyQualifiedName~Reliability.SoakTests" \
  --logger "console;verbosity=normal" | grep -E "soak|Failed|Error Message|grew|Passed!|Failed!|Total"
