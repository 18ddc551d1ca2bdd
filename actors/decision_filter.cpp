#include "actors/decision_filter.hpp"

namespace lattice::actors {

bool decision_filter::should_send(const scheduling::job_decision& d) {
  auto key = d.namespace_ + "/" + d.name;
  auto it = last_reason_.find(key);
  bool news = it == last_reason_.end() || it->second != d.reason;
  last_reason_[key] = d.reason;
  return news || d.changed || !d.added.empty() || !d.removed.empty();
}

} // namespace lattice::actors
