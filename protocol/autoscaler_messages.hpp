#pragma once

#include "protocol/control_messages.hpp"
#include "protocol/job_actor.hpp"
#include "protocol/type_ids.hpp"
#include "scheduling/job_info.hpp"
#include "scheduling/node_info.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

// Summary-only inspect(): see protocol/job_messages.hpp.

namespace lattice::protocol {

/// job -> autoscaler: the job as the planner sees it, plus the handle the
/// autoscaler sends this job's decisions to (it also serves as registration).
struct job_state {
  scheduling::job_info info;
  job_actor job;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_state& x) {
  return f(caf::meta::type_name("job_state"), x.info.namespace_, x.info.name, x.info.min_size,
           x.info.max_size, x.info.priority);
}

/// job -> autoscaler: the job left the snapshot (deleted, completed or failed).
struct job_gone {
  std::string namespace_;
  std::string name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_gone& x) {
  return f(caf::meta::type_name("job_gone"), x.namespace_, x.name);
}

/// node -> autoscaler: the node as the planner sees it.
struct node_state {
  scheduling::node_info info;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_state& x) {
  return f(caf::meta::type_name("node_state"), x.info.name, x.info.schedulable, x.info.ready);
}

/// node -> autoscaler: the node was deleted.
struct node_gone {
  std::string name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_gone& x) {
  return f(caf::meta::type_name("node_gone"), x.name);
}

/// autoscaler -> self: the debounce window may have closed; ignored unless
/// `generation` is the one armed last.
struct replan_timer {
  std::uint64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replan_timer& x) {
  return f(caf::meta::type_name("replan_timer"), x.generation);
}

/// autoscaler -> self: a cooldown or rescale interval ends (rules 5 and 6),
/// so a plan may now decide differently; ignored unless `generation` is
/// the one armed last.
struct plan_wakeup {
  std::uint64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plan_wakeup& x) {
  return f(caf::meta::type_name("plan_wakeup"), x.generation);
}

} // namespace lattice::protocol
