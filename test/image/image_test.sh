#!/usr/bin/env bash
# Builds the operator image without a container engine and checks it as a
# user would: the archive's config (entrypoint, user, layers), the binary
# running from the unpacked root filesystem as the image's user, the agent
# wheel inside, a reproducible digest, and the Dockerfile in step with the
# one description.
set -euo pipefail
cd "${LATTICE_SOURCE_DIR:?}"
. image/image.env
fail() { echo "FAIL: $*" >&2; exit 1; }
trap 'echo "FAIL: line $LINENO exited $?: $BASH_COMMAND" >&2' ERR

scripts/gen-dockerfile | diff -u Dockerfile - || fail "Dockerfile is not what scripts/gen-dockerfile generates; run: scripts/gen-dockerfile > Dockerfile"

scripts/build-image
version=$(build/release/app/lattice-operator --version | awk '{print $2}')
archive=build/image/lattice-operator-$version.tar
[ -f "$archive" ] || fail "no archive at $archive"

config=$(skopeo inspect --config "docker-archive:$archive")
entrypoint=$(jq -c '.config.Entrypoint' <<<"$config")
user=$(jq -r '.config.User' <<<"$config")
[ "$entrypoint" = "[\"$IMAGE_ENTRYPOINT\"]" ] || fail "entrypoint is $entrypoint"
[ "$user" = "$IMAGE_USER:$IMAGE_GROUP" ] || fail "user is $user"
layers=$(skopeo inspect "docker-archive:$archive" | jq '.Layers | length')
[ "$layers" -ge 1 ] || fail "no layers"
echo "ok: entrypoint $entrypoint, user $user, $layers layer(s), $(du -h "$archive" | cut -f1)"

digest1=$(jq -r '.manifests[0].digest' build/image/oci/index.json)
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
umoci unpack --image "build/image/oci:$version" "$unpacked/bundle" >/dev/null
rootfs=$unpacked/bundle/rootfs
got=$(chroot --userspec="$IMAGE_USER:$IMAGE_GROUP" "$rootfs" "$IMAGE_ENTRYPOINT" --version)
[ "$got" = "lattice-operator $version" ] || fail "--version in the image printed: $got"
# Captured, not piped into `grep -q`: grep would exit at the first match and,
# under pipefail, the binary's SIGPIPE on its next write would fail the check.
help=$(chroot --userspec="$IMAGE_USER:$IMAGE_GROUP" "$rootfs" "$IMAGE_ENTRYPOINT" --help)
grep -q -- '--kubeconfig' <<<"$help" || fail "--help in the image does not document --kubeconfig"
rc=0
chroot --userspec="$IMAGE_USER:$IMAGE_GROUP" "$rootfs" "$IMAGE_ENTRYPOINT" --metrics-port=0 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "a bad flag in the image exited $rc, expected 2"
plugin_help=$(chroot --userspec="$IMAGE_USER:$IMAGE_GROUP" "$rootfs" "$IMAGE_PLUGIN" queue --help)
grep -q -- 'kubectl lattice queue' <<<"$plugin_help" || fail "kubectl-lattice in the image: $plugin_help"
[ -s "$rootfs/etc/ssl/certs/ca-certificates.crt" ] || fail "no CA certificates"
grep -q "^$IMAGE_USER_NAME:x:$IMAGE_USER:" "$rootfs/etc/passwd" || fail "no non-root user in /etc/passwd"
compgen -G "$rootfs$IMAGE_WHEEL_DIR/lattice_agent-*.whl" >/dev/null || fail "no agent wheel in $IMAGE_WHEEL_DIR"
# The injection init container's command, run as it would be in a pod.
mkdir -p "$rootfs/tmp/agent" && chown "$IMAGE_USER:$IMAGE_GROUP" "$rootfs/tmp/agent"
chroot --userspec="$IMAGE_USER:$IMAGE_GROUP" "$rootfs" "$IMAGE_ENTRYPOINT" install-agent /tmp/agent >/dev/null \
  || fail "install-agent failed in the image"
cmp -s "$rootfs/tmp/agent/lattice_agent.whl" "$(ls "$rootfs$IMAGE_WHEEL_DIR"/lattice_agent-*.whl)" \
  || fail "install-agent did not copy the wheel"
rm -rf "$rootfs/tmp/agent"
echo "ok: install-agent copies the agent wheel"
echo "ok: binary runs from the unpacked image as $IMAGE_USER ($got)"

scripts/build-image --binary build/release/app/lattice-operator --plugin build/release/plugin/kubectl-lattice >/dev/null
digest2=$(jq -r '.manifests[0].digest' build/image/oci/index.json)
[ "$digest1" = "$digest2" ] || fail "image is not reproducible: $digest1 then $digest2"
echo "ok: reproducible ($digest1)"

chart=build/image/lattice-operator-$version.tgz
chart_meta=$(tar -xzOf "$chart" lattice-operator/Chart.yaml)
grep -q "^version: $version$" <<<"$chart_meta" || fail "packaged chart version is not $version"
grep -q "^appVersion: \"\{0,1\}$version\"\{0,1\}$" <<<"$chart_meta" || fail "packaged chart appVersion is not $version"
echo "ok: chart $chart packaged with version and appVersion $version"
