#!/usr/bin/env bash
# Long mutation-fuzz run of every parser (npy, npz, safetensors, SentencePiece, config JSON, images, run.json,
# JSONL dataset index) plus the hostile corpus. usage: scripts/fuzz.sh [ITERATIONS_PER_PARSER=20000] [SEED=random]
# A failing input is kept in $TIPS_FUZZ_FAILURES (default /tmp/tips-fuzz-failures) and named in the failure;
# copy it to tests/Tips.Tests/Reliability/corpus/ (or add it to make_corpus.py) once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
export TIPS_FUZZ_ITERATIONS="${1:-20000}"
export TIPS_FUZZ_SEED="${2:-$RANDOM$RANDOM}"
echo "fuzz: $TIPS_FUZZ_ITERATIONS mutants per parser, seed $TIPS_FUZZ_SEED"
dotnet test tests/Tips.Tests/Tips.Tests.csproj -c Release -nologo \
  --filter "FullyQualifiedName~Reliability.ParserFuzzTests|FullyQualifiedName~Reliability.CorpusTests" \
  --logger "console;verbosity=normal" | grep -E "fuzz |Failed|Error Message|escaped|allocated|no answer|not one line|input kept|Passed!|Failed!|Total"
