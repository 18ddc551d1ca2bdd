#include "actors/write_dispatcher.hpp"

#include <caf/all.hpp>

#include <string>
#include <utility>

namespace lattice::actors {
namespace {

using protocol::api_result;
using self_pointer = protocol::gateway_actor::stateful_pointer<write_dispatcher_state>;

api_result cancelled(const protocol::api_call& call, const std::string& why) {
  api_result r;
  r.message = std::string(k8s::to_string(call.verb)) + " " + call.name + ": " + why;
  r.cancelled = true;
  return r;
}

void send_backlog(self_pointer self);

void answered(self_pointer self, std::uint64_t id, const protocol::gateway_actor& gateway, api_result r) {
  auto& st = self->state;
  auto it = st.in_flight.find(id);
  if (it == st.in_flight.end())
    return;
  it->second.promise.deliver(std::move(r));
  st.backlog.done(it->second.call.order_key);
  st.in_flight.erase(it);
  st.idle.push_back(gateway);
  send_backlog(self);
}

void send_backlog(self_pointer self) {
  auto& st = self->state;
  while (!st.idle.empty()) {
    auto next = st.backlog.pop();
    if (!next)
      return;
    auto gateway = st.idle.front();
    st.idle.pop_front();
    const auto id = ++st.sent;
    auto call = next->item.call;
    st.in_flight.emplace(id, std::move(next->item));
    // No CAF timeout: a gateway always answers (the REST client has its own
    // deadlines and retries).
    self->request(gateway, caf::infinite, std::move(call))
        .then([self, id, gateway](api_result& r) { answered(self, id, gateway, std::move(r)); },
              [self, id, gateway](caf::error& err) {
                // A gateway that is gone stops only with the operator.
                auto it = self->state.in_flight.find(id);
                if (it != self->state.in_flight.end())
                  answered(self, id, gateway, cancelled(it->second.call, self->system().render(err)));
              });
  }
}

} // namespace

protocol::gateway_actor::behavior_type write_dispatcher(self_pointer self,
                                                        std::vector<protocol::gateway_actor> gateways) {
  self->state.idle.assign(gateways.begin(), gateways.end());
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
        auto promise = self->make_response_promise<api_result>();
        const auto urgency = call.urgency;
        auto key = call.order_key;
        self->state.backlog.push(urgency, std::move(key), pending_write{std::move(call), promise});
        send_backlog(self);
        return promise;
      },
  };
}

protocol::gateway_actor spawn_write_dispatcher(caf::actor_system& sys,
                                               std::vector<protocol::gateway_actor> gateways) {
  return sys.spawn(write_dispatcher, std::move(gateways));
}

} // namespace lattice::actors
