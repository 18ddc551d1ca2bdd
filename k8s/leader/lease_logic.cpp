#include "k8s/leader/lease_logic.hpp"

namespace lattice::k8s::leader {

std::string check_options(const elector_options& options) {
  if (options.lease_name.empty())
    return "leader election: lease name is empty";
  if (options.lease_namespace.empty())
    return "leader election: lease namespace is empty";
  if (options.identity.empty())
    return "leader election: identity is empty";
  if (options.retry_period.count() <= 0)
    return "leader election: retry period must be positive";
  if (options.renew_deadline <= options.retry_period)
    return "leader election: renew deadline must exceed the retry period";
  if (options.lease_duration <= options.renew_deadline)
    return "leader election: lease duration must exceed the renew deadline";
  return {};
}

std::int32_t whole_seconds(std::chrono::milliseconds d) {
  const auto s = (d.count() + 999) / 1000;
  return static_cast<std::int32_t>(s < 1 ? 1 : s);
}

observed_record observe(const lease& current, const std::optional<observed_record>& previous,
                        time_point now) {
  observed_record r;
  r.holder = current.holder_identity;
  r.acquire_time = current.acquire_time;
  r.renew_time = current.renew_time;
  r.lease_duration_seconds = current.lease_duration_seconds;
  r.lease_transitions = current.lease_transitions;
  const bool unchanged = previous && previous->holder == r.holder && previous->acquire_time == r.acquire_time
                         && previous->renew_time == r.renew_time
                         && previous->lease_duration_seconds == r.lease_duration_seconds
                         && previous->lease_transitions == r.lease_transitions;
  r.seen_at = unchanged ? previous->seen_at : now;
  return r;
}

time_point expiry(const observed_record& record, const elector_options& options) {
  const auto duration = record.lease_duration_seconds > 0
                            ? std::chrono::milliseconds(std::chrono::seconds(record.lease_duration_seconds))
                            : options.lease_duration;
  return record.seen_at + duration;
}

const char* to_string(lease_action action) {
  switch (action) {
  case lease_action::create:
    return "create";
  case lease_action::take_over:
    return "take over";
  case lease_action::renew:
    return "renew";
  case lease_action::stand_by:
    return "stand by";
  }
  return "unknown";
}

lease_decision decide(const std::optional<lease>& current, const std::optional<observed_record>& previous,
                      const elector_options& options, time_point now) {
  lease_decision d;
  const auto stamp = base::format_rfc3339(now, 6);
  if (!current) {
    d.action = lease_action::create;
    d.to_write.meta.name = options.lease_name;
    d.to_write.meta.namespace_ = options.lease_namespace;
    d.to_write.holder_identity = options.identity;
    d.to_write.lease_duration_seconds = whole_seconds(options.lease_duration);
    d.to_write.acquire_time = stamp;
    d.to_write.renew_time = stamp;
    d.to_write.lease_transitions = 0;
    return d;
  }
  d.record = observe(*current, previous, now);
  const auto& holder = current->holder_identity;
  const bool ours = holder == options.identity;
  if (!holder.empty() && !ours && now < expiry(*d.record, options)) {
    d.action = lease_action::stand_by;
    return d;
  }
  d.action = ours ? lease_action::renew : lease_action::take_over;
  d.to_write = *current;
  d.to_write.holder_identity = options.identity;
  d.to_write.lease_duration_seconds = whole_seconds(options.lease_duration);
  d.to_write.renew_time = stamp;
  if (ours) {
    if (d.to_write.acquire_time.empty())
      d.to_write.acquire_time = stamp;
  } else {
    d.to_write.acquire_time = stamp;
    d.to_write.lease_transitions = current->lease_transitions + 1;
  }
  return d;
}

lease released(const lease& held, time_point now) {
  lease l = held;
  const auto stamp = base::format_rfc3339(now, 6);
  l.holder_identity.clear();
  l.lease_duration_seconds = 1;
  l.acquire_time = stamp;
  l.renew_time = stamp;
  return l;
}

} // namespace lattice::k8s::leader
