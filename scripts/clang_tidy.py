#!/usr/bin/env python3
"""The clang-tidy stage of scripts/lint: every tracked .cpp file of the layers
(cmake/layers.cmake: the product's code, not its tests, benchmarks or fuzz
targets) and the headers they include, checked with the checked-in
.clang-tidy; any finding fails.

It needs a compile_commands.json: the first of $LATTICE_TIDY_BUILD_DIR,
build/asan, build/release that has one, else it configures build/tidy (a few
seconds; nothing is compiled). A file is checked again only when something it
depends on changed: the file, a project header it includes (followed through
the tree), its compile command, .clang-tidy or clang-tidy itself. Files found
clean are remembered under ~/.cache/lattice/clang-tidy, keyed without the
checkout's and build directory's paths, so a second run over an unchanged
tree, or a clone of it elsewhere, takes seconds (comments in .clang-tidy do
not count as a change). Checks run in parallel (LATTICE_TIDY_JOBS, default: every core).

  scripts/clang_tidy.py            check (scripts/lint runs it)
"""

import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("LATTICE_CACHE", Path.home() / ".cache" / "lattice")) / "clang-tidy"
INCLUDE = re.compile(rb'^\s*#\s*include\s+"([^"]+)"', re.M)
sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_layers import layer_of, read_layers  # noqa: E402


def build_dir():
    candidates = [os.environ.get("LATTICE_TIDY_BUILD_DIR"), "build/asan", "build/release"]
    for c in filter(None, candidates):
        if (ROOT / c / "compile_commands.json").exists():
            return ROOT / c
    tidy = ROOT / "build" / "tidy"
    print("clang-tidy: configuring build/tidy for its compile_commands.json", file=sys.stderr)
    subprocess.run(
        ["cmake", "-S", str(ROOT), "-B", str(tidy), "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Debug"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return tidy


def project_headers(source, seen):
    """The tree's headers `source` includes, directly or through each other."""
    try:
        text = source.read_bytes()
    except OSError:
        return
    for match in INCLUDE.finditer(text):
        name = match.group(1).decode()
        for candidate in (source.parent / name, ROOT / name):
            if candidate.is_file() and candidate not in seen:
                seen.add(candidate)
                project_headers(candidate, seen)
                break


def digest(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()


def main():
    build = build_dir()
    commands = json.loads((build / "compile_commands.json").read_text())
    tracked = set(
        subprocess.run(
            ["git", "ls-files", "*.cpp"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.split()
    )
    version = subprocess.run(["clang-tidy", "--version"], check=True, capture_output=True, text=True).stdout
    config = b"\n".join(
        line
        for line in (ROOT / ".clang-tidy").read_bytes().splitlines()
        if not line.lstrip().startswith(b"#")
    )
    layers = read_layers((ROOT / "cmake" / "layers.cmake").read_text())
    todo = {}
    for entry in commands:
        path = Path(entry["file"])
        if not path.is_absolute():
            path = Path(entry["directory"]) / path
        rel = os.path.relpath(path.resolve(), ROOT)
        if rel not in tracked or layer_of(rel, layers) is None or rel in todo:
            continue
        headers = set()
        project_headers(ROOT / rel, headers)
        command = entry.get("command") or shlex.join(entry.get("arguments", []))
        key = digest(
            version,
            config,
            # Paths masked so that a clone elsewhere (CI's clean clone) finds what this one found clean.
            command.replace(str(build), "<build>").replace(str(ROOT), "<root>"),
            (ROOT / rel).read_bytes(),
            *sorted(h.read_bytes() for h in headers),
        )
        todo[rel] = key
    pending = [rel for rel, key in todo.items() if not (CACHE / key).exists()]
    print(
        f"clang-tidy: {len(todo)} files ({len(todo) - len(pending)} unchanged since found clean), build dir "
        f"{os.path.relpath(build, ROOT)}",
        file=sys.stderr,
    )

    def check(rel):
        run = subprocess.run(
            ["clang-tidy", "--quiet", "-p", str(build), str(ROOT / rel)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        return rel, run.returncode, run.stdout + run.stderr

    failed = []
    jobs = int(os.environ.get("LATTICE_TIDY_JOBS", str(os.cpu_count() or 2)))
    CACHE.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for rel, code, output in pool.map(check, sorted(pending)):
            findings = "warning:" in output or "error:" in output
            if code == 0 and not findings:
                (CACHE / todo[rel]).touch()
                continue
            failed.append(rel)
            sys.stdout.write(output)
    if failed:
        print(f"clang-tidy: findings in {len(failed)} files: {' '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
