#!/usr/bin/env bash
# The chart's operator pod on the real node: see operator_pod.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
require_real_node
operator=$(operator_image)
python=$(python_image)
note "images: $operator, $python"
exec python3 "$here/operator_pod.py" "$operator" "$python"
