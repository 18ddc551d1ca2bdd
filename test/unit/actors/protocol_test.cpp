#include "actors/autoscaler_settings.hpp"
#include "protocol/protocol.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <iterator>
#include <string>

// The message vocabulary: inspect() must produce a readable to_string (CAF
// uses it in logs and for unhandled-message errors), and the configuration
// must reach the autoscaler's settings.

namespace lattice {
namespace {

template <class T>
std::string printed(T msg) {
  return caf::to_string(caf::make_message(std::move(msg)));
}

TEST(Protocol, MessagesPrintTheirIdentifyingSummary) {
  struct row {
    std::string text;
    std::string expected;
  };
  protocol::job_observed observed;
  observed.job.meta.namespace_ = "team";
  observed.job.meta.name = "bert";
  protocol::job_state state;
  state.info.namespace_ = "team";
  state.info.name = "bert";
  protocol::job_decision decision;
  decision.decision.name = "bert";
  decision.decision.reason = "at maxSize";
  const row rows[] = {
      {printed(observed), "bert"},
      {printed(protocol::job_removed{"team", "bert"}), "job_removed"},
      {printed(protocol::job_gone{"team", "bert"}), "team"},
      {printed(protocol::node_gone{"gpu-7"}), "gpu-7"},
      {printed(protocol::node_removed{"gpu-7"}), "node_removed"},
      {printed(protocol::replan_timer{42}), "42"},
      {printed(protocol::set_leader{true}), "set_leader"},
      {printed(state), "bert"},
      {printed(decision), "at maxSize"},
  };
  for (const auto& r : rows)
    EXPECT_NE(r.text.find(r.expected), std::string::npos) << r.text << " lacks " << r.expected;
}

// Every atom CAF 0.17.6 defines itself (caf/type_id.hpp).
const caf::atom_value caf_atoms[] = {
    caf::add_atom::value,         caf::close_atom::value,     caf::connect_atom::value,
    caf::contact_atom::value,     caf::delete_atom::value,    caf::demonitor_atom::value,
    caf::div_atom::value,         caf::flush_atom::value,     caf::forward_atom::value,
    caf::get_atom::value,         caf::idle_atom::value,      caf::join_atom::value,
    caf::leave_atom::value,       caf::link_atom::value,      caf::migrate_atom::value,
    caf::monitor_atom::value,     caf::mul_atom::value,       caf::ok_atom::value,
    caf::open_atom::value,        caf::pending_atom::value,   caf::ping_atom::value,
    caf::pong_atom::value,        caf::publish_atom::value,   caf::publish_udp_atom::value,
    caf::put_atom::value,         caf::receive_atom::value,   caf::redirect_atom::value,
    caf::reset_atom::value,       caf::resolve_atom::value,   caf::spawn_atom::value,
    caf::stream_atom::value,      caf::sub_atom::value,       caf::subscribe_atom::value,
    caf::sys_atom::value,         caf::tick_atom::value,      caf::timeout_atom::value,
    caf::unlink_atom::value,      caf::unpublish_atom::value, caf::unpublish_udp_atom::value,
    caf::unsubscribe_atom::value, caf::update_atom::value,    caf::wait_for_atom::value};

TEST(Protocol, ProjectAtomsArePrefixedAndNeverCollideWithCafs) {
  ASSERT_GT(std::size(protocol::project_atoms), 0u);
  for (auto atom : protocol::project_atoms) {
    const auto text = caf::to_string(atom);
    EXPECT_EQ(text.rfind('l', 0), 0u) << text << ": project atoms start with 'l'";
    for (auto theirs : caf_atoms)
      EXPECT_NE(atom, theirs) << text << " is one of CAF's atoms";
  }
}

TEST(AutoscalerSettings, ComeFromTheOperatorConfig) {
  config::operator_config cfg;
  cfg.autoscaler.gpu_resource = "amd.com/gpu";
  cfg.autoscaler.rescale_interval = std::chrono::minutes{5};
  cfg.autoscaler.plan_debounce = std::chrono::milliseconds{500};
  cfg.leader_election.enabled = true;
  auto s = actors::settings_from(cfg);
  EXPECT_EQ(s.planner.gpu_resource, "amd.com/gpu");
  EXPECT_EQ(s.planner.rescale_interval, std::chrono::minutes{5});
  EXPECT_EQ(s.plan_debounce, std::chrono::milliseconds{500});
  EXPECT_EQ(s.plan_max_delay, std::chrono::milliseconds{625});
  EXPECT_FALSE(s.start_as_leader) << "set_leader{true} comes after the caches synced";

  cfg.leader_election.enabled = false;
  cfg.autoscaler.plan_debounce = std::chrono::milliseconds{0};
  s = actors::settings_from(cfg);
  EXPECT_FALSE(s.start_as_leader) << "even without leader election";
  EXPECT_EQ(s.plan_max_delay, std::chrono::milliseconds{250}) << "at least a quarter second";
}

} // namespace
} // namespace lattice
