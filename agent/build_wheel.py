"""Builds the lattice-agent wheel with the standard library only.

Used two ways:
  python3 agent/build_wheel.py OUT_DIR      (scripts/build-agent-wheel, the project's build)
  a PEP 517 backend (pyproject.toml: build-backend = "build_wheel", backend-path = ["."]),
  so `pip wheel agent/ --no-build-isolation` or `pip install agent/` work without setuptools.

The wheel is reproducible: files sorted, fixed timestamps, so the same
sources give the same bytes (and the same sha256 in the operator image).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "lattice_agent"
EPOCH = (1980, 1, 1, 0, 0, 0)


def version() -> str:
    with open(os.path.join(HERE, "lattice", "__init__.py")) as f:
        match = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M)
    if not match:
        raise RuntimeError("lattice/__init__.py has no __version__")
    return match.group(1)


def _metadata(ver: str) -> str:
    return (
        "Metadata-Version: 2.1\n"
        f"Name: lattice-agent\nVersion: {ver}\n"
        "Summary: Lattice agent, rendezvous server and training addon for elastic jobs\n"
        "Requires-Python: >=3.8\nLicense: Apache-2.0\n"
        "Provides-Extra: torch\n"
    )


WHEEL_FILE = (
    "Wheel-Version: 1.0\nGenerator: lattice build_wheel.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
)
ENTRY_POINTS = (
    "[console_scripts]\n"
    "lattice-agent = lattice.agent.__main__:main\n"
    "lattice-rendezvous = lattice.rendezvous.__main__:main\n"
)


def _sources():
    root = os.path.join(HERE, "lattice")
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                yield path, os.path.relpath(path, HERE).replace(os.sep, "/")


def _record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def build(out_dir: str) -> str:
    """Writes the wheel into out_dir; returns its file name."""
    ver = version()
    dist_info = f"{NAME}-{ver}.dist-info"
    wheel_name = f"{NAME}-{ver}-py3-none-any.whl"
    os.makedirs(out_dir, exist_ok=True)
    entries = []
    for path, arcname in _sources():
        with open(path, "rb") as f:
            entries.append((arcname, f.read()))
    entries += [
        (f"{dist_info}/METADATA", _metadata(ver).encode()),
        (f"{dist_info}/WHEEL", WHEEL_FILE.encode()),
        (f"{dist_info}/entry_points.txt", ENTRY_POINTS.encode()),
    ]
    record = [_record_line(arcname, data) for arcname, data in entries] + [f"{dist_info}/RECORD,,"]
    entries.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode()))
    target = os.path.join(out_dir, wheel_name)
    tmp = target + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as wheel:
        for arcname, data in entries:
            info = zipfile.ZipInfo(arcname, EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
    os.replace(tmp, target)
    return wheel_name


# ---- PEP 517 hooks ---------------------------------------------------------


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return build(wheel_directory)


def get_requires_for_build_wheel(config_settings=None):
    return []


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: build_wheel.py OUT_DIR")
    print(os.path.join(sys.argv[1], build(sys.argv[1])))
