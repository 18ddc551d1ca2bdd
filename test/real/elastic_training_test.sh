#!/usr/bin/env bash
# A real elastic PyTorch job on the real node: see elastic_training.py (its
# parameters are LATTICE_REAL_* environment variables).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
require_real_node
operator=$(operator_image)
training=$(training_image)
note "images: $operator, $training"
exec python3 "$here/elastic_training.py" "$operator" "$training"
