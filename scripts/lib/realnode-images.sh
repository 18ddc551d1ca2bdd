# shellcheck shell=bash
# Settings come from cluster-common.sh and realnode-common.sh, sourced first.
# shellcheck disable=SC2154
# Images for the real node without a registry (sourced by scripts/cluster and
# scripts/build-training-image): reproducible layer tarballs, docker-archives
# written by image/docker_archive.py, and their import into containerd's
# k8s.io namespace, skipped when the same image is already there.

image_cache=${LATTICE_CACHE:-$HOME/.cache/lattice}/images
image_tool_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../image" && pwd)

# make_layer DIR OUT: DIR's contents as a reproducible tar (sorted, owner
# root, one mtime), written atomically.
make_layer() {
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=gnu \
    -cf "$2.tmp" -C "$1" . && mv "$2.tmp" "$2"
}

# The sandbox ("pause") image: a static C program, cached by its source.
# Prints the archive's path.
build_pause_image() {
  local src=$image_tool_dir/pause/pause.c key dir
  key=$({ cat "$src"; gcc --version | head -1; } | sha256sum | cut -c1-16)
  dir=$image_cache/pause-$key
  if [ ! -s "$dir/pause.tar" ]; then
    rm -rf "$dir" && mkdir -p "$dir/root"
    gcc -static -Os -s -o "$dir/root/pause" "$src" || die "could not build the pause image from $src (gcc with static libc)"
    make_layer "$dir/root" "$dir/layer.tar"
    python3 "$image_tool_dir/docker_archive.py" --tag "$realnode_pause_image" --out "$dir/pause.tar" \
      --layer "$dir/layer.tar" --entrypoint '["/pause"]' >/dev/null
    rm -rf "$dir/root"
  fi
  echo "$dir/pause.tar"
}

# The identity of an archive: its manifest (names the config digest).
archive_identity() {
  tar --occurrence=1 -xOf "$1" manifest.json 2>/dev/null | sha256sum | cut -c1-32
}

imported_marker() { echo "$realnode_dir/containerd/imported/$(echo "$1" | tr '/:' '__')"; }

# import_image ARCHIVE TAG: loads a docker-archive whose RepoTags include TAG
# into containerd (unpacked for the overlayfs snapshotter), unless this very
# archive was imported before and TAG is still there.
import_image() {
  local archive=$1 tag=$2 identity marker start
  identity=$(archive_identity "$archive")
  [ -n "$identity" ] || die "$archive is not a docker-archive (no manifest.json)"
  marker=$(imported_marker "$tag")
  if [ "$(cat "$marker" 2>/dev/null)" = "$identity" ] && [ -n "$(ctr_k8s images ls -q "name==$tag" 2>/dev/null)" ]; then
    return 0
  fi
  start=$SECONDS
  ctr_k8s images import --snapshotter overlayfs "$archive" >/dev/null ||
    die "ctr could not import $archive"
  # An archive made for a registry (scripts/build-image) gets the local name
  # too, moved onto this import even if an older image had it.
  local source
  source=$(tar --occurrence=1 -xOf "$archive" manifest.json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["RepoTags"][0])')
  if [ "$source" != "$tag" ]; then
    ctr_k8s images tag --force "$source" "$tag" >/dev/null || die "$archive: could not tag $source as $tag"
  fi
  [ -n "$(ctr_k8s images ls -q "name==$tag")" ] || die "$archive did not contain the image $tag"
  mkdir -p "$(dirname "$marker")"
  echo "$identity" >"$marker"
  log "imported $tag into the real node's containerd ($((SECONDS - start))s)"
}
