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
# Real images and data from Debian, extracted (never installed, never committed) under $TIPS_DEBIAN_DATA/root
# (default ~/.cache/tips/debian/root), where Tips.Train.Data.DebianData finds them: skimage's CC0 photographs,
# the Tux Paint stamps (GPL-2), Fashion-MNIST (MIT), and netpbm as an independent PNG/JPEG decoder for the tests.
cache="${TIPS_DEBIAN_DATA:-$HOME/.cache/tips/debian}"
mkdir -p "$cache/root" "$cache/debs"
for pkg in python3-skimage tuxpaint-stamps-default dataset-fashion-mnist netpbm libnetpbm11; do
  [ -e "$cache/root/.$pkg" ] && continue
  rm -f "$cache/debs/${pkg}_"*.deb
  if ! (cd "$cache/debs" && apt-get download -qq "$pkg" >/dev/null 2>&1); then
    if [ "$(id -u)" -ne 0 ]; then
      echo "error: apt-get download $pkg failed; run as root (apt-get update) or set TIPS_DEBIAN_DATA to a folder holding root/" >&2
      exit 1
    fi
    apt-get update -qq >/dev/null
    (cd "$cache/debs" && apt-get download -qq "$pkg" >/dev/null) \
      || { echo "error: apt-get download $pkg failed" >&2; exit 1; }
  fi
  dpkg -x "$cache/debs/${pkg}_"*.deb "$cache/root"
  rm -f "$cache/debs/${pkg}_"*.deb
  # The stamps' sound clips (most of that package) are not used.
  [ "$pkg" != tuxpaint-stamps-default ] || find "$cache/root/usr/share/tuxpaint" -name '*.ogg' -delete
  touch "$cache/root/.$pkg"
done
