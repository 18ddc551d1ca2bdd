#include "actors/gateway.hpp"

#include "k8s/client/write_request.hpp"

#include <caf/all.hpp>

namespace lattice::actors {
namespace {

protocol::api_result perform(const gateway_settings& settings, const protocol::api_call& call) {
  auto sent = k8s::client::send_write(*settings.rest, call, settings.api_group, settings.fence);
  protocol::api_result r;
  r.ok = static_cast<bool>(sent);
  if (!r.ok) {
    r.status = sent.err().status;
    r.message = sent.err().to_string();
    r.cancelled = sent.err().what == k8s::error::kind::cancelled;
  }
  return r;
}

protocol::gateway_actor::behavior_type gateway(const gateway_settings& settings) {
  return {[settings](protocol::api_call& call) { return perform(settings, call); }};
}

} // namespace

std::vector<protocol::gateway_actor> spawn_gateways(caf::actor_system& sys, const gateway_settings& settings,
                                                    std::size_t count) {
  std::vector<protocol::gateway_actor> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    out.push_back(sys.spawn<caf::detached>(gateway, settings));
  return out;
}

} // namespace lattice::actors
