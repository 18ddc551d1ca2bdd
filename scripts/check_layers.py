#!/usr/bin/env python3
"""Fails on an #include against the layer direction written in cmake/layers.cmake.

Each lattice_layer(<name> TARGET <t> PATHS <paths> USES <layers>) line names the
files of a layer and the layers it may include. Every tracked C++ file of a
layer may include headers of its own layer and of the layers it USES; tests,
benchmarks and fuzzers sit above every layer and are not checked.

  scripts/check_layers.py         check the tree (scripts/lint runs it)
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def read_layers(text):
    """{name: (paths, uses)} from the lattice_layer(...) calls."""
    layers = {}
    for call in re.finditer(r"lattice_layer\(([^)]*)\)", text):
        words = call.group(1).split()
        if not words or words[0].startswith("<"):
            continue  # the usage line in the comment
        name, section, parts = words[0], None, {"PATHS": [], "USES": [], "TARGET": []}
        for word in words[1:]:
            if word in parts:
                section = word
            elif section:
                parts[section].append(word)
        layers[name] = (parts["PATHS"], parts["USES"])
    return layers


def layer_of(path, layers):
    for name, (paths, _) in layers.items():
        for p in paths:
            if path == p or path.startswith(p + "/"):
                return name
    return None


def main():
    layers = read_layers((ROOT / "cmake" / "layers.cmake").read_text())
    if not layers:
        print("check_layers: no lattice_layer() in cmake/layers.cmake", file=sys.stderr)
        return 1
    unknown = {u for _, uses in layers.values() for u in uses if u not in layers}
    if unknown:
        print(f"check_layers: USES names unknown layers: {sorted(unknown)}", file=sys.stderr)
        return 1
    files = subprocess.run(
        ["git", "ls-files", "*.cpp", "*.hpp", "*.h"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    problems = []
    for rel in files:
        own = layer_of(rel, layers)
        if own is None:
            continue
        allowed = {own, *layers[own][1]}
        for number, line in enumerate((ROOT / rel).read_text().splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = match.group(1)
            if (ROOT / rel).parent.joinpath(target).exists() and not (ROOT / target).exists():
                continue  # a header next to the file
            used = layer_of(target, layers)
            if used is None or used in allowed:
                continue
            problems.append(
                f"{rel}:{number}: layer {own} includes {target} (layer {used}); "
                f"{own} may use only: {', '.join(sorted(layers[own][1])) or 'nothing'}"
            )
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"check_layers: {len(problems)} include(s) against cmake/layers.cmake", file=sys.stderr)
        return 1
    print(
        f"check_layers: {len(files)} files, {len(layers)} layers, every include points down", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
