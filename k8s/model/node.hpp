#pragma once

#include "k8s/model/condition.hpp"
#include "k8s/model/resource_list.hpp"
#include "k8s/model/scheduling_constraints.hpp"
#include "k8s/object_meta.hpp"

#include <vector>

namespace lattice::k8s {

/// A core/v1 Node (cluster-scoped; meta.labels carry the hostname label).
struct node {
  object_meta meta;
  bool unschedulable = false;
  /// The Ready condition's status.
  condition_status ready = condition_status::unknown;
  std::vector<taint> taints;
  /// status.allocatable: cpu millicores, memory bytes, others whole units.
  resource_list allocatable;
};

} // namespace lattice::k8s
