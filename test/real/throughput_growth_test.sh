#!/usr/bin/env bash
# The measured training rate drives an elastic job's size on the real node:
# see throughput_growth.py (its parameters are LATTICE_REAL_* environment
# variables).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
require_real_node
operator=$(operator_image)
training=$(training_image)
note "images: $operator, $training"
exec python3 "$here/throughput_growth.py" "$operator" "$training"
