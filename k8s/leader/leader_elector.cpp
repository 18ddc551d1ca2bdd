#include "k8s/leader/leader_elector.hpp"

#include "k8s/codec/encoders.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <utility>

namespace lattice::k8s::leader {

leader_elector::leader_elector(client::object_client<lease> leases, elector_options options,
                               std::function<void(bool)> on_change, const base::clock& clock,
                               std::shared_ptr<client::write_fence> fence)
    : leases_(std::move(leases)), options_(std::move(options)), on_change_(std::move(on_change)),
      clock_(clock), fence_(std::move(fence)) {
  if (auto problem = check_options(options_); !problem.empty())
    throw std::invalid_argument(problem);
}

void leader_elector::run() {
  spdlog::info(
      "leader election: {} competing for lease {}/{} (duration {}ms, renew deadline {}ms, retry {}ms)",
      options_.identity, options_.lease_namespace, options_.lease_name, options_.lease_duration.count(),
      options_.renew_deadline.count(), options_.retry_period.count());
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_requested_) {
    lock.unlock();
    tick();
    lock.lock();
    wake_.wait_for(lock, options_.retry_period, [this] { return stop_requested_; });
  }
  const bool release = release_on_stop_;
  lock.unlock();
  if (release)
    release_now();
  set_leading(false, "stopped");
}

void leader_elector::stop(bool release) {
  std::lock_guard<std::mutex> lock(mutex_);
  stop_requested_ = true;
  release_on_stop_ = release;
  wake_.notify_all();
}

bool leader_elector::leading() const {
  return leading_;
}

std::string leader_elector::observed_holder() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return holder_;
}

void leader_elector::tick() {
  const auto now = clock_.wall();
  const auto started = clock_.steady();
  std::optional<lease> current;
  auto got = leases_.get(options_.lease_namespace, options_.lease_name);
  if (got)
    current = std::move(got.value());
  else if (got.err().status != 404)
    return failed("reading the lease failed: " + got.err().to_string());

  auto decision = decide(current, record_, options_, now);
  record_ = decision.record;
  const std::string holder = current ? current->holder_identity : std::string();
  set_holder(holder);
  // Someone else changed the lease under us (took it over or released it):
  // we no longer lead, whatever we decide next.
  if (leading_ && current && holder != options_.identity)
    set_leading(false, holder.empty() ? "the lease was released by another writer"
                                      : "the lease is held by " + holder);
  if (decision.action == lease_action::stand_by)
    return;

  const auto body = encode_lease(decision.to_write);
  auto written = decision.action == lease_action::create
                     ? leases_.create(options_.lease_namespace, body)
                     : leases_.replace(options_.lease_namespace, options_.lease_name, body);
  if (!written) {
    if (written.err().status == 409)
      return failed(std::string(to_string(decision.action)) + " lost the race: another replica wrote first");
    return failed(std::string(to_string(decision.action)) + " failed: " + written.err().to_string());
  }
  record_ = observe(written.value(), record_, now);
  held_ = std::move(written.value());
  last_renew_ = now;
  if (fence_)
    fence_->open_until(started + options_.renew_deadline);
  set_holder(options_.identity);
  if (decision.action != lease_action::renew || !leading_)
    spdlog::info("leader election: {} {} lease {}/{} (transitions {})", options_.identity,
                 decision.action == lease_action::create      ? "created"
                 : decision.action == lease_action::take_over ? "took over"
                                                              : "renewed",
                 options_.lease_namespace, options_.lease_name, held_->lease_transitions);
  set_leading(true, to_string(decision.action));
}

void leader_elector::release_now() {
  if (!leading_ || !held_)
    return;
  // Stop acting as leader before the lease says anyone may take over.
  set_leading(false, "releasing the lease");
  auto written = leases_.replace(options_.lease_namespace, options_.lease_name,
                                 encode_lease(released(*held_, clock_.wall())));
  held_.reset();
  if (!written) {
    spdlog::warn("leader election: {} could not release lease {}/{}, a standby takes over after {}ms: {}",
                 options_.identity, options_.lease_namespace, options_.lease_name,
                 options_.lease_duration.count(), written.err().to_string());
    return;
  }
  record_ = observe(written.value(), record_, clock_.wall());
  set_holder("");
  spdlog::info("leader election: {} released lease {}/{}", options_.identity, options_.lease_namespace,
               options_.lease_name);
}

void leader_elector::failed(const std::string& what) {
  // Measured after the call: a slow API server counts against the deadline.
  const auto since = clock_.wall() - last_renew_;
  if (leading_ && since >= options_.renew_deadline) {
    set_leading(false,
                "no renewal for " + std::to_string(options_.renew_deadline.count()) + "ms; last: " + what);
    return;
  }
  if (leading_)
    spdlog::warn("leader election: {} renewing lease {}/{}: {}", options_.identity, options_.lease_namespace,
                 options_.lease_name, what);
  else
    spdlog::debug("leader election: {} acquiring lease {}/{}: {}", options_.identity,
                  options_.lease_namespace, options_.lease_name, what);
}

void leader_elector::set_leading(bool leading, const std::string& why) {
  if (!leading && fence_)
    fence_->close(); // first: not one more write, whoever is slow to hear on_change
  if (leading_.exchange(leading) == leading)
    return;
  if (leading)
    spdlog::info("leader election: {} started leading lease {}/{} ({})", options_.identity,
                 options_.lease_namespace, options_.lease_name, why);
  else
    spdlog::warn("leader election: {} stopped leading lease {}/{} ({})", options_.identity,
                 options_.lease_namespace, options_.lease_name, why);
  if (on_change_)
    on_change_(leading);
}

void leader_elector::set_holder(const std::string& holder) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (holder == holder_)
    return;
  spdlog::info("leader election: lease {}/{} holder {} -> {} (seen by {})", options_.lease_namespace,
               options_.lease_name, holder_.empty() ? "<none>" : holder_, holder.empty() ? "<none>" : holder,
               options_.identity);
  holder_ = holder;
}

} // namespace lattice::k8s::leader
