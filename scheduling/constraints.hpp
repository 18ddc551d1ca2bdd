#pragma once

#include "scheduling/job_info.hpp"
#include "scheduling/node_info.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace lattice::scheduling {

/// Every NoSchedule/NoExecute taint of `node` is tolerated.
bool tolerates_taints(const std::vector<toleration>& tolerations, const std::vector<taint>& taints);

/// The key of a requirement on the node's name rather than a label: a pod's
/// `matchFields` (only metadata.name is defined there), which is also how
/// workers are pinned to their planned node.
inline constexpr std::string_view node_name_field = "metadata.name";

/// nodeSelector and required node affinity both match the node's labels
/// (and `node_name` for requirements on node_name_field).
bool matches_labels(const placement_constraints& constraints,
                    const std::map<std::string, std::string>& labels, std::string_view node_name = {});

/// A new worker with these constraints may be placed on `node` (resources
/// aside): Ready, schedulable, labels match, taints tolerated.
bool node_admits(const placement_constraints& constraints, const node_info& node);

/// "node-group=a, zone in (x, y)" or "any schedulable node" when unconstrained.
std::string describe_constraints(const placement_constraints& constraints);

/// The first problem with the constraints ("nodeAffinity term 0: Gt needs one integer value"), if any.
std::optional<std::string> validate_constraints(const placement_constraints& constraints);

} // namespace lattice::scheduling
