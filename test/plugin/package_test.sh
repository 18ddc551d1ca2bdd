#!/usr/bin/env bash
# scripts/package-plugin on this build's kubectl-lattice: the archive holds the
# plugin, which runs; the krew manifest names the archive with its sha256; a
# second run gives the same bytes.
set -euo pipefail
cd "${LATTICE_SOURCE_DIR:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
binary=${LATTICE_BUILD_DIR:?}/plugin/kubectl-lattice
scripts/package-plugin --binary "$binary" "$out/a" >/dev/null
scripts/package-plugin --binary "$binary" "$out/b" >/dev/null
archive=$(cd "$out/a" && ls kubectl-lattice-*-linux-amd64.tar.gz)
cmp -s "$out/a/$archive" "$out/b/$archive" || fail "the archive is not reproducible"
[ "$(tar -tzf "$out/a/$archive" | sort | tr '\n' ' ')" = "LICENSE.txt kubectl-lattice " ] \
  || fail "archive contents: $(tar -tzf "$out/a/$archive")"
mkdir "$out/x" && tar -xzf "$out/a/$archive" -C "$out/x"
"$out/x/kubectl-lattice" queue --help | grep -q 'kubectl lattice queue' || fail "the packaged plugin does not run"
sha=$(sha256sum "$out/a/$archive" | cut -d' ' -f1)
grep -q "sha256: \"$sha\"" "$out/a/lattice.yaml" || fail "manifest sha256 is not the archive's ($sha)"
grep -q "/$archive$" "$out/a/lattice.yaml" || fail "manifest does not name $archive"
! grep -q '@[A-Z0-9]*@' "$out/a/lattice.yaml" || fail "manifest keeps a placeholder"
echo "ok: $archive ($sha) and its krew manifest"
