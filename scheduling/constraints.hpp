#pragma once

#include "scheduling/job_info.hpp"
#include "scheduling/node_info.hpp"

#include <optional>
#include <string>

namespace lattice::scheduling {

/// Every NoSchedule/NoExecute taint of `node` is tolerated.
bool tolerates_taints(const std::vector<toleration>& tolerations, const std::vector<taint>& taints);

/// nodeSelector and required node affinity both match the node's labels.
bool matches_labels(const placement_constraints& constraints,
                    const std::map<std::string, std::string>& labels);

/// A new worker with these constraints may be placed on `node` (resources
/// aside): Ready, schedulable, labels match, taints tolerated.
bool node_admits(const placement_constraints& constraints, const node_info& node);

/// "node-group=a, zone in (x, y)" or "any schedulable node" when unconstrained.
std::string describe_constraints(const placement_constraints& constraints);

/// The first problem with the constraints ("nodeAffinity term 0: Gt needs one integer value"), if any.
std::optional<std::string> validate_constraints(const placement_constraints& constraints);

} // namespace lattice::scheduling
