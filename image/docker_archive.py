#!/usr/bin/env python3
"""Writes a docker-archive image (what `docker save` writes, what
`ctr images import` and `skopeo copy docker-archive:...` read) from layer
tarballs, without a container engine. Standard library only.

    image/docker_archive.py --tag local.lattice/pause:3.10 --out pause.tar \
        --layer rootfs.tar --entrypoint '["/pause"]'

Each layer is an uncompressed tar; its sha256 (the image's diff_id) is kept
next to it in LAYER.sha256 and recomputed only when the tar is newer, so an
image whose big layers are cached is assembled at disk speed. The config's
digest (the image ID) is printed on stdout. Timestamps come from --created
(default SOURCE_DATE_EPOCH, else 0): the same layers and settings give the
same image ID.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import os
import sys
import tarfile


def layer_digest(path: str) -> str:
    """The layer's sha256, cached in PATH.sha256 while the tar is unchanged."""
    cache = path + ".sha256"
    try:
        if os.path.getmtime(cache) >= os.path.getmtime(path):
            with open(cache) as f:
                value = f.read().strip()
            if len(value) == 64:
                return value
    except OSError:
        pass
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha.update(chunk)
    value = sha.hexdigest()
    with open(cache + ".tmp", "w") as f:
        f.write(value + "\n")
    os.replace(cache + ".tmp", cache)
    return value


def parse_pairs(items: list[str], what: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        if "=" not in item:
            raise SystemExit(f"docker_archive: {what} {item!r} is not KEY=VALUE")
        key, value = item.split("=", 1)
        pairs.append((key, value))
    return pairs


def parse_json_list(text: str | None, what: str) -> list[str] | None:
    if text is None:
        return None
    value = json.loads(text)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SystemExit(f"docker_archive: {what} must be a JSON list of strings, got {text!r}")
    return value


def image_config(args: argparse.Namespace, diff_ids: list[str], created: str) -> bytes:
    config: dict = {"Env": [f"{k}={v}" for k, v in parse_pairs(args.env, "--env")]}
    entrypoint = parse_json_list(args.entrypoint, "--entrypoint")
    cmd = parse_json_list(args.cmd, "--cmd")
    if entrypoint is not None:
        config["Entrypoint"] = entrypoint
    if cmd is not None:
        config["Cmd"] = cmd
    if args.workdir:
        config["WorkingDir"] = args.workdir
    if args.user:
        config["User"] = args.user
    labels = dict(parse_pairs(args.label, "--label"))
    if labels:
        config["Labels"] = labels
    document = {
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{d}" for d in diff_ids]},
        "history": [{"created": created, "created_by": "image/docker_archive.py"} for _ in diff_ids],
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def add_file(archive: tarfile.TarFile, name: str, path: str) -> None:
    info = tarfile.TarInfo(name)
    info.size = os.path.getsize(path)
    info.mode = 0o644
    with open(path, "rb") as f:
        archive.addfile(info, f)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tag", required=True, help="repository:tag recorded in the archive")
    parser.add_argument("--out", help="archive to write, or - for stdout; without it only the ID is printed")
    parser.add_argument("--layer", action="append", default=[], help="uncompressed layer tar (in order)")
    parser.add_argument("--entrypoint", help='JSON list, e.g. ["/pause"]')
    parser.add_argument("--cmd", help="JSON list")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE")
    parser.add_argument("--label", action="append", default=[], help="KEY=VALUE")
    parser.add_argument("--workdir", default="/")
    parser.add_argument("--user", default="")
    parser.add_argument("--created", help="RFC 3339 time; default SOURCE_DATE_EPOCH or 0")
    args = parser.parse_args(argv)

    if not args.layer:
        parser.error("at least one --layer is needed")
    if ":" not in args.tag.rsplit("/", 1)[-1]:
        parser.error(f"--tag {args.tag!r} needs an explicit :tag")
    created = args.created or datetime.datetime.fromtimestamp(
        int(os.environ.get("SOURCE_DATE_EPOCH", "0")), tz=datetime.UTC
    ).strftime("%Y-%m-%dT%H:%M:%SZ")
    diff_ids = [layer_digest(path) for path in args.layer]
    config = image_config(args, diff_ids, created)
    config_digest = hashlib.sha256(config).hexdigest()
    manifest = [
        {
            "Config": f"{config_digest}.json",
            "RepoTags": [args.tag],
            "Layers": [f"{d}/layer.tar" for d in diff_ids],
        }
    ]

    if args.out is None:
        print(f"sha256:{config_digest}")
        return 0
    out = sys.stdout.buffer if args.out == "-" else open(args.out + ".tmp", "wb")
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as archive:
        add_bytes(archive, f"{config_digest}.json", config)
        written = set()
        for digest, path in zip(diff_ids, args.layer, strict=True):
            if digest not in written:  # the same layer twice is stored once
                add_file(archive, f"{digest}/layer.tar", path)
                written.add(digest)
        add_bytes(archive, "manifest.json", json.dumps(manifest).encode())
    if args.out != "-":
        out.close()
        os.replace(args.out + ".tmp", args.out)
    print(f"sha256:{config_digest}", file=sys.stdout if args.out != "-" else sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
