#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lattice::k8s {

/// Taint/toleration effect. `any` is a toleration's empty effect (matches
/// every effect); `other` keeps a value this build does not know instead of
/// rejecting the whole object.
enum class taint_effect : std::uint8_t { any, no_schedule, prefer_no_schedule, no_execute, other };

/// A node taint (spec.taints[]).
struct taint {
  std::string key;
  std::string value;
  taint_effect effect = taint_effect::no_schedule;
};

enum class toleration_operator : std::uint8_t { equal, exists };

/// A pod toleration. An empty key with operator Exists tolerates everything.
struct toleration {
  std::string key;
  toleration_operator op = toleration_operator::equal;
  std::string value;
  taint_effect effect = taint_effect::any;
};

enum class selector_operator : std::uint8_t { in, not_in, exists, does_not_exist, gt, lt };

/// One matchExpressions / matchFields entry of a NodeSelectorTerm.
struct node_selector_requirement {
  std::string key;
  selector_operator op = selector_operator::in;
  std::vector<std::string> values;
};

/// A NodeSelectorTerm: all requirements must hold (terms are ORed).
struct node_selector_term {
  std::vector<node_selector_requirement> match_expressions;
  /// matchFields (only metadata.name is defined by Kubernetes).
  std::vector<node_selector_requirement> match_fields;
};

/// A label pair (nodeSelector, Service selector). Kept as a sorted vector:
/// these maps have a handful of entries and are read far more than written.
struct label_pair {
  std::string key;
  std::string value;
};

} // namespace lattice::k8s
