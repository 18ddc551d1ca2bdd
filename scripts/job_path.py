#!/usr/bin/env python3
"""The files one job step passes through, measured with gdb.

    python3 scripts/job_path.py BUILD/test/unit/lifecycle/lifecycle_test \\
        job_transition.admission_creates_pinned_workers_the_service_and_says_so on_decision

Runs the one test case under gdb with a breakpoint on every function of
lattice::lifecycle, records the call stack at each entry below the entry
function (`on_decision`, `on_job_seen`, ...), and prints: the files entered,
how often the current file changes (calls and returns) and how often it
returns to a file it had left, which files are called from more than one
file, calls back into a file already lower on the stack, and the chain of
files on the stack when the worker pod's body is built.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import gdb  # present only when gdb runs this file
except ImportError:
    gdb = None

FILE = re.compile(r"(lifecycle|actors|k8s|base|scheduling|protocol)/[^/]+$")


def trace_in_gdb():
    """Inside gdb: record the stacks to $JOB_PATH_OUT."""
    out = open(os.environ["JOB_PATH_OUT"], "w")
    entry = os.environ["JOB_PATH_ENTRY"]

    def stack():
        frames = []
        f = gdb.newest_frame()
        while f is not None:
            sal = f.find_sal()
            frames.append((f.name() or "?", sal.symtab.filename if sal.symtab else ""))
            f = f.older()
        return frames[::-1]

    class Entry(gdb.Breakpoint):
        def stop(self):
            s = stack()
            if any(entry in n for n, _ in s):
                out.write(json.dumps(s) + "\n")
            return False

    gdb.execute("set pagination off")
    gdb.execute("start", to_string=True)
    listing = gdb.execute("info functions ^lattice::lifecycle::", to_string=True)
    current, specs = None, set()
    for line in listing.splitlines():
        if line.startswith("File "):
            current = line[5:].rstrip(":")
            continue
        m = re.match(r"^(\d+):\s", line.strip())
        if m and current:
            specs.add(f"{current}:{m.group(1)}")
    for spec in sorted(specs):
        try:
            Entry(spec, internal=True)
        except gdb.error:
            pass
    gdb.execute("continue")
    out.close()


def load(path, entry):
    """Each recorded stack from the entry function down, as (function, file)."""
    stacks = []
    with open(path) as f:
        for line in f:
            s = json.loads(line)
            i = max(k for k, (n, _) in enumerate(s) if entry in n)
            frames = []
            for name, file in s[i:]:
                m = FILE.search(file)
                if m:
                    frames.append((name, m.group(0)))
            stacks.append(frames)
    return stacks


def file_sequence(stacks):
    """The current file after every call and return between two entries."""
    seq, prev = [], []

    def visit(f):
        if not seq or seq[-1] != f:
            seq.append(f)

    for s in stacks:
        k = 0
        while k < min(len(prev), len(s)) and prev[k] == s[k]:
            k += 1
        for j in range(len(prev) - 1, max(k, 1) - 1, -1):  # returns down to the common frame
            visit(prev[j - 1][1])
        for _, f in s[k:]:  # calls
            visit(f)
        prev = s
    for j in range(len(prev) - 1, 0, -1):  # back to the entry function
        visit(prev[j - 1][1])
    return seq


def chain(stack):
    out = []
    for _, f in stack:
        if not out or out[-1] != f:
            out.append(f)
    return out


def report(stacks):
    seq = file_sequence(stacks)
    files = list(dict.fromkeys(seq))
    left, back = set(), 0
    for a, b in zip(seq, seq[1:], strict=False):
        left.add(a)
        back += b in left
    callers, callbacks = {}, set()
    for s in stacks:
        fs = [f for _, f in s]
        for j in range(1, len(fs)):
            if fs[j] != fs[j - 1]:
                callers.setdefault(fs[j], set()).add(fs[j - 1])
                if fs[j] in fs[: j - 1]:
                    callbacks.add((fs[j - 1], fs[j]))
    cpp = [f for f in files if f.endswith(".cpp")]
    print(f"function entries: {len(stacks)}")
    print(f"files entered: {len(files)} ({len(cpp)} .cpp): {' '.join(files)}")
    print(f"file changes: {len(seq) - 1}, returns to a file left before: {back}")
    for f, c in sorted(callers.items()):
        if len(c) > 1:
            print(f"called from {len(c)} files: {f} <- {', '.join(sorted(c))}")
    print(f"calls back into a file lower on the stack: {sorted(callbacks) or 'none'}")
    for s in stacks:
        if "build_worker_pod" in s[-1][0]:
            print(f"stack when the pod body is built: {' -> '.join(chain(s))}")
            break


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    binary, case, entry = sys.argv[1:]
    entry = "lattice::lifecycle::" + entry
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "stacks.jsonl")
        env = dict(os.environ, JOB_PATH_OUT=out, JOB_PATH_ENTRY=entry, ASAN_OPTIONS="detect_leaks=0")
        cmd = ["gdb", "-batch", "-x", __file__, "--args", binary, f"--gtest_filter={case}"]
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        report(load(out, entry))


if gdb is not None:
    trace_in_gdb()
elif __name__ == "__main__":
    main()
