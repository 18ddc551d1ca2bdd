#!/usr/bin/env python3
"""Static checks of helm/lattice-operator: no cluster, only the helm binary.

Usage: chart_static_test.py CASE    (CASE from CASES below; CTest runs each one)
Each case prints what it checked and exits non-zero with the expectation that
failed.
"""

import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chart_checks_ci as ci  # noqa: E402
import chart_checks_crd as crd  # noqa: E402
import chart_checks_objects as objects  # noqa: E402
import chart_checks_values as values  # noqa: E402

CASES = {
    "lint": values.case_lint,
    "template-defaults": values.case_template_defaults,
    "template-all-keys": values.case_template_all_keys,
    "ci-values": ci.case_ci_values,
    "values-match-spec": values.case_values_match_spec,
    "schema-rejects": values.case_schema_rejects,
    "rbac-least-privilege": objects.case_rbac_least_privilege,
    "credentials-and-license": objects.case_credentials_and_license,
    "crd": crd.case_crd,
    "crd-cel-rules": crd.case_crd_cel_rules,
    "crd-limits-match-decoder": crd.case_crd_limits_match_decoder,
    "example-job-matches-spec": objects.case_example_job_matches_spec,
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in list(CASES) + ["all"]:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(CASES)}|all}}")
    names = list(CASES) if sys.argv[1] == "all" else [sys.argv[1]]
    failed = []
    for name in names:
        try:
            CASES[name]()
            print(f"PASS {name}")
        except (AssertionError, subprocess.SubprocessError) as e:
            print(f"FAIL {name}: {e}")
            failed.append(name)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
