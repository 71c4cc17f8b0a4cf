#!/usr/bin/env bash
# The whole test suite (Release build, all backends testable on this machine).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh" --tests
dotnet test "$root/tests/Tips.Tests/Tips.Tests.csproj" -c Release -nologo "$@"
