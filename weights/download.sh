#!/usr/bin/env bash
# Downloads official TIPS checkpoints (PyTorch-layout .npz) and the tokenizer from the release's public bucket.
# No checksums are published that this script could verify: it checks that each file downloaded completely,
# is non-empty and (for .npz) is a zip archive; `tips` checks keys and shapes when it loads them.
set -euo pipefail

base="https://storage.googleapis.com/tips_data"
dest="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
release="v1"
dry_run=0
names=()

usage() {
  cat <<'USAGE'
usage: weights/download.sh [--v2] [--dest DIR] [--dry-run] VARIANT...

VARIANT: s14 b14 l14 so400m14 g14 g14-lowres (v1), b14 l14 so14 g14 (v2), or all.
Downloads <name>_vision.npz, <name>_text.npz and tokenizer.model into DIR (default: this folder).
  --v2       the TIPSv2 checkpoints (default: v1)
  --dest     where to put the files
  --dry-run  print the URLs, download nothing
USAGE
}

fail() { echo "download.sh: $1" >&2; exit "${2:-1}"; }

v1_name() {
  case "$1" in
    s14|s) echo tips_oss_s14_highres_distilled ;;
    b14|b) echo tips_oss_b14_highres_distilled ;;
    l14|l) echo tips_oss_l14_highres_distilled ;;
    so400m14|so400m|so14|so) echo tips_oss_so400m14_highres_largetext_distilled ;;
    g14|g) echo tips_oss_g14_highres ;;
    g14-lowres|g14_lowres) echo tips_oss_g14_lowres ;;
    *) return 1 ;;
  esac
}

v2_name() {
  case "$1" in
    b14|b) echo tips_v2_oss_b14 ;;
    l14|l) echo tips_v2_oss_l14 ;;
    so14|so|so400m14|so400m) echo tips_v2_oss_so14 ;;
    g14|g) echo tips_v2_oss_g14 ;;
    *) return 1 ;;
  esac
}

while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --v2) release="v2" ;;
    --v1) release="v1" ;;
    --dry-run) dry_run=1 ;;
    --dest) [ $# -ge 2 ] || fail "--dest needs a folder" 2; dest="$2"; shift ;;
    --dest=*) dest="${1#--dest=}" ;;
    -*) fail "unknown option '$1' (see --help)" 2 ;;
    *) names+=("$1") ;;
  esac
  shift
done

[ ${#names[@]} -gt 0 ] || fail "no variant given (see --help)" 2

checkpoints=()
for v in "${names[@]}"; do
  v="$(echo "$v" | tr '[:upper:]' '[:lower:]')"
  if [ "$v" = all ]; then
    if [ "$release" = v1 ]; then set -- s14 b14 l14 so400m14 g14 g14-lowres; else set -- b14 l14 so14 g14; fi
    for a in "$@"; do checkpoints+=("$("${release}_name" "$a")"); done
    continue
  fi
  name="$("${release}_name" "$v")" || fail "unknown $release variant '$v' (see --help)" 2
  checkpoints+=("$name")
done

urls=("$base/v1_0/checkpoints/tokenizer.model")
for c in "${checkpoints[@]}"; do
  urls+=("$base/${release}_0/checkpoints/pytorch/${c}_vision.npz" "$base/${release}_0/checkpoints/pytorch/${c}_text.npz")
done

if [ "$dry_run" = 1 ]; then
  printf '%s\n' "${urls[@]}"
  exit 0
fi

[ -d "$dest" ] || fail "destination folder '$dest' does not exist"
[ -w "$dest" ] || fail "destination folder '$dest' is not writable"
if command -v curl >/dev/null 2>&1; then
  fetch() { curl --fail --location --silent --show-error --output "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget --quiet --output-document="$2" "$1"; }
else
  fail "neither curl nor wget is installed"
fi

for url in "${urls[@]}"; do
  file="$dest/$(basename "$url")"
  if [ -s "$file" ]; then echo "have $file"; continue; fi
  echo "downloading $url"
  tmp="$file.part"
  if ! fetch "$url" "$tmp"; then rm -f "$tmp"; fail "download failed: $url"; fi
  [ -s "$tmp" ] || { rm -f "$tmp"; fail "empty download: $url"; }
  case "$file" in
    *.npz) [ "$(head -c 2 "$tmp")" = "PK" ] || { rm -f "$tmp"; fail "not a zip archive (npz): $url"; } ;;
  esac
  mv "$tmp" "$file"
done
echo "done: files in $dest (sizes and checksums are not published; tips checks keys and shapes on load)"
