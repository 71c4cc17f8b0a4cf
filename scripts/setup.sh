#!/usr/bin/env bash
# One-time machine setup: the .NET SDK must exist; everything else the project needs is installed here.
# `setup.sh --tests` also installs what only the test suite needs.
set -euo pipefail
if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK is required (dotnet not on PATH)" >&2
  exit 1
fi
[ "${1:-}" = "--tests" ] || exit 0
# Reference SentencePiece tools (spm_encode, spm_train) for the tokenizer parity tests.
if ! command -v spm_encode >/dev/null 2>&1 || ! command -v spm_train >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: spm_encode/spm_train missing; run as root or: sudo apt-get install sentencepiece" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends sentencepiece >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends sentencepiece >/dev/null; }
fi
