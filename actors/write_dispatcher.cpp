#include "actors/write_dispatcher.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>

namespace lattice::actors {
namespace {

using protocol::api_result;
using self_pointer = protocol::write_dispatcher_actor::stateful_pointer<write_dispatcher_state>;

api_result cancelled(const protocol::api_call& call, const std::string& why) {
  api_result r;
  r.message = std::string(k8s::to_string(call.verb)) + " " + call.name + ": " + why;
  r.cancelled = true;
  return r;
}

/// Why a write is refused once the Lease is lost: the next leader decides
/// afresh from what the cluster holds.
constexpr const char* not_leading = "not sent, this replica lost its Lease";

void send_backlog(self_pointer self);

const char* class_name(protocol::write_class c) {
  switch (c) {
  case protocol::write_class::start_pods:
    return "start_pods";
  case protocol::write_class::free_gpus:
    return "free_gpus";
  case protocol::write_class::bookkeeping:
    break;
  }
  return "bookkeeping";
}

constexpr protocol::write_class every_class[] = {
    protocol::write_class::start_pods, protocol::write_class::free_gpus, protocol::write_class::bookkeeping};

/// The backlog by class into lattice_write_queue_length.
void show_backlog(self_pointer self) {
  auto& st = self->state;
  if (!st.metrics)
    return;
  for (auto c : every_class)
    st.metrics->write_queue_length(class_name(c)).Set(static_cast<double>(st.backlog.size(c)));
}

/// Write `id` was answered; `gateway` is free again (nullopt: it is gone).
void answered(self_pointer self, std::uint64_t id, std::optional<protocol::gateway_actor> gateway,
              api_result r) {
  auto& st = self->state;
  auto it = st.in_flight.find(id);
  if (it == st.in_flight.end())
    return;
  it->second.promise.deliver(std::move(r));
  const auto& call = it->second.call;
  st.backlog.done(call.order_key);
  if (call.urgency == protocol::write_class::free_gpus && !call.node.empty())
    st.backlog.freed(call.node);
  st.in_flight.erase(it);
  if (gateway)
    st.idle.push_back(std::move(*gateway));
  else
    --st.gateways;
  if (st.gateways == 0) // nothing left to send with: the backlog would wait forever
    st.backlog.drain([](pending_write w) { w.promise.deliver(cancelled(w.call, "no API gateway left")); });
  send_backlog(self);
}

void send_backlog(self_pointer self) {
  auto& st = self->state;
  while (!st.idle.empty()) {
    auto next = st.backlog.pop();
    if (!next)
      break;
    auto gateway = st.idle.front();
    st.idle.pop_front();
    if (st.metrics)
      st.metrics->write_queue_wait(class_name(next->urgency))
          .Observe(std::chrono::duration<double>(self->clock().now() - next->item.queued_at).count());
    const auto id = ++st.sent;
    auto call = next->item.call;
    st.in_flight.emplace(id, std::move(next->item));
    // No CAF timeout: a gateway always answers (the REST client has its own
    // deadlines and retries).
    self->request(gateway, caf::infinite, std::move(call))
        .then([self, id, gateway](api_result& r) { answered(self, id, gateway, std::move(r)); },
              [self, id](caf::error& err) {
                // The gateway is gone (it stops only with the operator): it
                // takes no more writes.
                auto it = self->state.in_flight.find(id);
                if (it != self->state.in_flight.end())
                  answered(self, id, std::nullopt, cancelled(it->second.call, self->system().render(err)));
              });
  }
  show_backlog(self);
}

} // namespace

protocol::write_dispatcher_actor::behavior_type
write_dispatcher(self_pointer self, std::vector<protocol::gateway_actor> gateways,
                 std::chrono::milliseconds frees_wait, std::shared_ptr<observability::metrics> metrics) {
  self->state.metrics = std::move(metrics);
  show_backlog(self);
  self->state.idle.assign(gateways.begin(), gateways.end());
  self->state.gateways = gateways.size();
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    st.backlog.drain([](pending_write w) { w.promise.deliver(cancelled(w.call, "shutting down")); });
    for (auto& [id, w] : st.in_flight)
      w.promise.deliver(cancelled(w.call, "shutting down"));
    st.in_flight.clear();
    self->quit(msg.reason);
  });
  return {
      [self](protocol::api_call& call) -> caf::result<api_result> {
        if (self->state.gateways == 0)
          return cancelled(call, "no API gateway left");
        if (!self->state.leading)
          return cancelled(call, not_leading);
        auto promise = self->make_response_promise<api_result>();
        const auto urgency = call.urgency;
        auto key = call.order_key;
        auto node = call.node;
        self->state.backlog.push(urgency, std::move(key), std::move(node),
                                 pending_write{std::move(call), promise, self->clock().now()});
        send_backlog(self);
        return promise;
      },
      [self, frees_wait](protocol::gpus_freeing& msg) {
        for (const auto& [node, count] : msg.deletes_by_node)
          self->state.backlog.expect_frees(node, count);
        self->delayed_send(self, frees_wait, protocol::gpus_freeing_expired{std::move(msg.deletes_by_node)});
      },
      [self](protocol::set_leader& msg) {
        auto& st = self->state;
        if (st.leading == msg.leader)
          return;
        st.leading = msg.leader;
        if (st.leading)
          return;
        const auto dropped = st.backlog.size();
        st.backlog.drain([](pending_write w) { w.promise.deliver(cancelled(w.call, not_leading)); });
        show_backlog(self);
        spdlog::warn("the Lease is lost: {} queued writes dropped, {} in flight cancelled by the write fence",
                     dropped, st.in_flight.size());
      },
      [self](protocol::gpus_freeing_expired& msg) {
        for (const auto& [node, count] : msg.deletes_by_node)
          self->state.backlog.forget_expected(node, count);
        send_backlog(self);
      },
  };
}

protocol::write_dispatcher_actor spawn_write_dispatcher(caf::actor_system& sys,
                                                        std::vector<protocol::gateway_actor> gateways,
                                                        std::chrono::milliseconds frees_wait,
                                                        std::shared_ptr<observability::metrics> metrics) {
  return sys.spawn(write_dispatcher, std::move(gateways), frees_wait, std::move(metrics));
}

} // namespace lattice::actors
