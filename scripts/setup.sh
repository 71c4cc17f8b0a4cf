#!/usr/bin/env bash
# One-time machine setup: the .NET SDK must exist; everything else the project needs is installed here.
set -euo pipefail
if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK is required (dotnet not on PATH)" >&2
  exit 1
fi
