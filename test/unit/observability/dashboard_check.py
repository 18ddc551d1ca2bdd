#!/usr/bin/env python3
"""Checks the chart's Grafana dashboard against the real metrics.

usage: dashboard_check.py METRICS_DUMP_BINARY DASHBOARD_JSON

- every metric family the operator exports (the dump's "# TYPE" lines) is
  shown by at least one panel;
- every lattice_* series a panel queries exists (no typos, no stale names);
- every panel expression is valid PromQL (`promtool check rules` parses
  them as recording rules); fails when promtool is missing.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    dump, dashboard_path = sys.argv[1], sys.argv[2]
    exposition = subprocess.run([dump], check=True, capture_output=True, text=True).stdout
    families = dict(re.findall(r"^# TYPE (\S+) (\S+)$", exposition, re.M))
    if not families:
        fail("the metrics dump printed no families")
    dashboard = json.load(open(dashboard_path))
    panels = [p for p in dashboard["panels"] if p.get("type") != "row"]
    ids = [p["id"] for p in dashboard["panels"]]
    if len(ids) != len(set(ids)):
        fail(f"duplicate panel ids: {ids}")
    exprs = [t["expr"] for p in panels for t in p.get("targets", [])]
    if not exprs:
        fail("the dashboard has no queries")

    used = set()
    for expr in exprs:
        for series in re.findall(r"\blattice_[a-z0-9_]+", expr):
            family = series
            for suffix in ("_bucket", "_sum", "_count"):
                if series.endswith(suffix) and series[: -len(suffix)] in families:
                    family = series[: -len(suffix)]
            if family not in families:
                fail(f"panel query uses unknown metric {series}: {expr}")
            if families[family] == "histogram" and family == series:
                fail(f"histogram {family} queried without _bucket/_sum/_count: {expr}")
            used.add(family)
    missing = sorted(set(families) - used)
    if missing:
        fail(f"metric families without a panel: {missing}")

    promtool = shutil.which("promtool")
    if not promtool:
        fail("promtool not found on PATH (Debian package 'prometheus', see scripts/setup-deps)")
    # Grafana substitutes $instance etc.; inside PromQL strings they stay valid.
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [{"record": f"dashboard:expr{i}", "expr": e} for i, e in enumerate(exprs)],
            }
        ]
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "rules.json")
        with open(path, "w") as f:
            json.dump(rules, f)  # JSON is YAML: promtool reads it
        res = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True)
        if res.returncode != 0:
            fail(f"promtool rejects a panel query:\n{res.stdout}{res.stderr}")
    print(f"ok: {len(panels)} panels, {len(exprs)} queries cover all {len(families)} families; PromQL valid")


if __name__ == "__main__":
    main()
