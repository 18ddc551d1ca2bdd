#!/usr/bin/env bash
# Cleanup of the CTest fixture "cluster": stops the cluster only if the setup
# (cluster_up) started it, so a developer's already running cluster survives
# a test run. Usage: fixture_cleanup.sh SOURCE_DIR MARKER_FILE
set -euo pipefail
source_dir=$1 marker=$2
if [ -f "$marker" ]; then
  rm -f "$marker"
  echo "the fixture started the cluster: stopping it"
  exec "$source_dir/scripts/cluster" down
fi
echo "the cluster was already running before the tests: leaving it up"
