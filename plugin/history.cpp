#include "plugin/history.hpp"

#include <algorithm>
#include <tuple>

namespace lattice::plugin {

std::vector<history_input> job_history(std::vector<history_input> conditions,
                                       std::vector<history_input> events) {
  std::vector<history_input> all = std::move(events);
  for (auto& c : conditions) {
    // The operator records most transitions twice: the condition keeps the
    // latest, the Event every occurrence. Keep the condition only when no
    // Event says the same at the same time.
    // A condition's message reads "Reason: message"; the Event's, "message".
    bool duplicate = std::any_of(all.begin(), all.end(), [&](const history_input& e) {
      const std::string suffix = ": " + e.message;
      return e.source == "event" && e.time == c.time
             && (e.message == c.message
                 || (c.message.size() >= suffix.size()
                     && c.message.compare(c.message.size() - suffix.size(), suffix.size(), suffix) == 0));
    });
    if (!duplicate)
      all.push_back(std::move(c));
  }
  std::stable_sort(all.begin(), all.end(), [](const history_input& a, const history_input& b) {
    return std::tie(a.time, a.source) < std::tie(b.time, b.source);
  });
  return all;
}

} // namespace lattice::plugin
