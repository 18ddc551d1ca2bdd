#include "lifecycle/conditions.hpp"

#include <vector>

namespace lattice::lifecycle {
namespace {

namespace ct = condition_type;

/// The conditions a condition turns False when it becomes True.
std::vector<std::string_view> excluded_by(std::string_view type) {
  if (type == ct::running)
    return {ct::queued, ct::restarting, ct::suspended};
  if (type == ct::restarting)
    return {ct::queued, ct::running, ct::suspended};
  if (type == ct::queued)
    return {ct::running, ct::restarting, ct::suspended};
  if (type == ct::suspended)
    return {ct::queued, ct::running, ct::restarting};
  if (type == ct::succeeded || type == ct::failed)
    return {ct::queued, ct::running, ct::restarting, ct::suspended};
  return {};
}

k8s::condition* find_mutable(k8s::exec_status& status, std::string_view type) {
  for (auto& c : status.conditions)
    if (c.type == type)
      return &c;
  return nullptr;
}

/// Writes one condition; true when anything changed.
bool write(k8s::exec_status& status, std::string_view type, k8s::condition_status value,
           const std::string& reason, const std::string& message, const std::string& now,
           std::int64_t generation) {
  k8s::condition* c = find_mutable(status, type);
  if (!c) {
    status.conditions.push_back({std::string(type), value, reason, message, now, now, generation});
    return true;
  }
  if (c->status == value && c->reason == reason && c->message == message
      && c->observed_generation == generation)
    return false;
  if (c->status != value)
    c->last_transition_time = now;
  c->status = value;
  c->reason = reason;
  c->message = message;
  c->last_update_time = now;
  c->observed_generation = generation;
  return true;
}

} // namespace

const k8s::condition* find_condition(const k8s::exec_status& status, std::string_view type) {
  for (const auto& c : status.conditions)
    if (c.type == type)
      return &c;
  return nullptr;
}

bool condition_is_true(const k8s::exec_status& status, std::string_view type) {
  const auto* c = find_condition(status, type);
  return c && c->status == k8s::condition_status::true_;
}

bool is_finished(const k8s::exec_status& status) {
  return condition_is_true(status, ct::succeeded) || condition_is_true(status, ct::failed);
}

bool set_condition(k8s::exec_status& status, const condition_update& update, const std::string& now,
                   std::int64_t generation) {
  if (is_finished(status))
    return false;
  bool changed = write(status, update.type, update.status, update.reason, update.message, now, generation);
  if (update.status != k8s::condition_status::true_)
    return changed;
  for (auto other : excluded_by(update.type)) {
    const auto* c = find_condition(status, other);
    if (c && c->status != k8s::condition_status::false_)
      changed |=
          write(status, other, k8s::condition_status::false_, update.reason, update.message, now, generation);
  }
  return changed;
}

} // namespace lattice::lifecycle
