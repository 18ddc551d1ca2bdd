#pragma once

#include "protocol/type_ids.hpp"

#include <caf/meta/type_name.hpp>

namespace lattice::protocol {

/// leader elector -> router -> autoscaler and job actors: whether this
/// replica leads (and its caches are synced). A standby keeps
/// its snapshot warm but neither plans nor sends decisions.
struct set_leader {
  bool leader = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, set_leader& x) {
  return f(caf::meta::type_name("set_leader"), x.leader);
}

} // namespace lattice::protocol
