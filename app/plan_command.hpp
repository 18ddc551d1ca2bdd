#pragma once

#include <string>
#include <vector>

namespace lattice::app {

/// `lattice-operator plan --snapshot FILE|- [--now TIME] [--output json|text]`
/// (or `--stream`): prints the plan the autoscaler makes for a snapshot
/// document (docs/reference/snapshot-format.md), without a cluster.
int plan_command(const std::vector<std::string>& args);

} // namespace lattice::app
