#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>

namespace lattice::lifecycle {

/// Kubeflow-style expectations: "I am creating (or deleting) pod X" recorded
/// before the API call, satisfied when the watch shows the result or the
/// call fails, forgotten after a timeout. A slow watch therefore never makes
/// the reconciler create a pod twice or delete one twice.
class expectations {
public:
  using clock = std::chrono::steady_clock;

  expectations() = default;
  explicit expectations(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  /// Records the intent before the API call. It does not expire while the
  /// call is outstanding (a busy API server may take longer than the
  /// timeout to answer): call answered() when the reply comes.
  void expect(const std::string& name) { pending_[name] = clock::time_point::max(); }
  /// The call succeeded: the watch has `timeout` from now to show it.
  /// Nothing happens if the watch already did.
  void answered(const std::string& name, clock::time_point now) {
    auto it = pending_.find(name);
    if (it != pending_.end())
      it->second = now + timeout_;
  }
  /// Seen by the watch, or the call failed.
  void satisfy(const std::string& name) { pending_.erase(name); }
  /// Drops the expired ones; returns how many.
  std::size_t expire(clock::time_point now);
  bool pending(const std::string& name) const { return pending_.count(name) > 0; }
  /// Pending, and its call has succeeded (the watch has not shown it yet).
  bool is_answered(const std::string& name) const {
    auto it = pending_.find(name);
    return it != pending_.end() && it->second != clock::time_point::max();
  }
  bool empty() const { return pending_.empty(); }
  std::size_t size() const { return pending_.size(); }
  std::set<std::string> names() const;

private:
  std::chrono::milliseconds timeout_{30'000};
  std::map<std::string, clock::time_point> pending_;
};

} // namespace lattice::lifecycle
