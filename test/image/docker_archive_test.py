"""image/docker_archive.py writes a docker-archive that `ctr images import`
and `skopeo` read: one config named by its digest, the layers named by their
diff_ids, a manifest with the tag; the same inputs give the same image ID;
a layer's digest is cached beside it and recomputed when the layer changes.
Run: python3 test/image/docker_archive_test.py (CTest: image.docker_archive).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time

TOOL = os.path.join(os.path.dirname(__file__), "..", "..", "image", "docker_archive.py")


def make_layer(path: str, files: dict[str, bytes]) -> None:
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def run(*args: str) -> str:
    return subprocess.run(
        [sys.executable, TOOL, *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)
    print(f"ok: {what}")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        base, app = os.path.join(tmp, "base.tar"), os.path.join(tmp, "app.tar")
        make_layer(base, {"bin/hello": b"#!/bin/sh\necho hi\n"})
        make_layer(app, {"opt/app.txt": b"app"})
        common = ["--tag", "local.lattice/x:1", "--layer", base, "--layer", app, "--entrypoint", '["/bin/hello"]',
                  "--env", "A=1", "--label", "k=v"]  # fmt: skip
        out = os.path.join(tmp, "x.tar")
        image_id = run(*common, "--out", out)
        expect(image_id == run(*common), "the image ID is printed with or without --out, the same")
        expect(
            image_id == run(*common, "--out", os.path.join(tmp, "y.tar")),
            "the same inputs give the same image ID",
        )

        with tarfile.open(out) as archive:
            names = archive.getnames()
            manifest = json.load(archive.extractfile("manifest.json"))
            config_name = manifest[0]["Config"]
            config_bytes = archive.extractfile(config_name).read()
            layer_bytes = [archive.extractfile(n).read() for n in manifest[0]["Layers"]]
        config = json.loads(config_bytes)
        expect(manifest[0]["RepoTags"] == ["local.lattice/x:1"], "the manifest carries the tag")
        expect(config_name == image_id.split(":")[1] + ".json", "the config is named by the image ID")
        expect(
            hashlib.sha256(config_bytes).hexdigest() == image_id.split(":")[1],
            "the image ID is the config's sha256",
        )
        diff_ids = [f"sha256:{hashlib.sha256(b).hexdigest()}" for b in layer_bytes]
        expect(config["rootfs"]["diff_ids"] == diff_ids, "diff_ids are the layers' sha256, in order")
        with open(base, "rb") as f:
            expect(layer_bytes[0] == f.read(), "the first layer is the base tar, byte for byte")
        expect(config["config"]["Entrypoint"] == ["/bin/hello"] and config["config"]["Env"] == ["A=1"],
               "entrypoint and environment")  # fmt: skip
        expect(config["config"]["Labels"] == {"k": "v"} and config["os"] == "linux", "labels and platform")
        expect(
            sorted(names) == sorted([config_name, "manifest.json", *manifest[0]["Layers"]]), "nothing else"
        )

        cached = base + ".sha256"
        expect(
            open(cached).read().strip() == diff_ids[0].split(":")[1], "the layer digest is cached beside it"
        )
        time.sleep(0.01)
        make_layer(base, {"bin/hello": b"changed"})
        os.utime(base, (time.time() + 2, time.time() + 2))
        expect(run(*common) != image_id, "a changed layer gives another image ID (the cache is not trusted)")

        bad = subprocess.run(
            [sys.executable, TOOL, "--tag", "x", "--layer", base], capture_output=True, text=True
        )
        expect(
            bad.returncode != 0 and "needs an explicit :tag" in bad.stderr, "a tag without :tag is refused"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
