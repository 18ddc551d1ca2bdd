#!/bin/sh
# Runs `promtool check metrics` on the exposition of every metric. Fails
# (never skips) when promtool is missing: scripts/setup-deps installs it.
set -eu
dump="$1"
if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool not found on PATH (Debian package 'prometheus', see scripts/setup-deps)" >&2
  exit 1
fi
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
"$dump" "$out"
test -s "$out" || { echo "empty exposition from $dump" >&2; exit 1; }
# promtool prints lint problems and exits non-zero on any.
promtool check metrics < "$out"
echo "promtool check metrics: $(grep -c '^# TYPE' "$out") families clean"
