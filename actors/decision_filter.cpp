#include "actors/decision_filter.hpp"

namespace lattice::actors {

bool decision_filter::should_send(const scheduling::job_decision& d, std::int32_t queue_position) {
  auto key = d.namespace_ + "/" + d.name;
  auto it = last_.find(key);
  bool news =
      it == last_.end() || it->second.reason != d.reason || it->second.queue_position != queue_position;
  last_[key] = told{d.reason, queue_position};
  return news || d.changed || !d.added.empty() || !d.removed.empty();
}

} // namespace lattice::actors
