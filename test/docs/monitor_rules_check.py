"""The alert rules in docs/tasks/monitor.md are valid and use only real metrics.

The ```yaml block that starts with "# prometheus rules" goes through
`promtool check rules`; every lattice_* name in it must be a family of the
operator's registry, as docs/reference/metrics.md lists them (that page is
itself checked against the registry by docs_reference_metrics).
Usage: monitor_rules_check.py SOURCE_DIR
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "docs", "tasks", "monitor.md")) as f:
        page = f.read()
    blocks = re.findall(r"```yaml\n(# prometheus rules\n.*?)```", page, re.S)
    if len(blocks) != 1:
        raise SystemExit(
            f"FAIL: expected one ```yaml block starting '# prometheus rules', found {len(blocks)}"
        )
    rules = blocks[0]
    with open(os.path.join(root, "docs", "reference", "metrics.md")) as f:
        families = set(re.findall(r"^\| `(lattice_[a-z_]+)`", f.read(), re.M))
    if not families:
        raise SystemExit("FAIL: docs/reference/metrics.md lists no metric families")
    used = set(re.findall(r"\blattice_[a-z_]+", rules))
    unknown = sorted(used - families)
    if unknown:
        raise SystemExit(
            f"FAIL: docs/tasks/monitor.md's rules use metrics the operator does not export: {unknown}"
        )
    promtool = shutil.which("promtool")
    if not promtool:
        raise SystemExit(
            "FAIL: promtool not found on PATH (Debian package 'prometheus', see scripts/setup-deps)"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as tmp:
        tmp.write(rules)
        tmp.flush()
        result = subprocess.run([promtool, "check", "rules", tmp.name], capture_output=True, text=True)
    print(result.stdout + result.stderr)
    if result.returncode != 0:
        raise SystemExit("FAIL: promtool check rules refused the rules of docs/tasks/monitor.md")
    print(f"ok: {len(used)} metric families used, all exported; promtool accepts the rules")


if __name__ == "__main__":
    main()
