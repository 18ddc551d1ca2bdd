#pragma once

#include <caf/atom.hpp>
#include <caf/type_id.hpp>

#include <cstdint>

// Forward declarations: the type-ID block only needs the names, so the
// message headers (which need the atoms for the actor interfaces) can include
// this one without a cycle.
namespace lattice::protocol {
struct job_observed;
struct job_removed;
struct pod_observed;
struct pod_removed;
struct job_decision;
struct requeue_timer;
struct deadline_timer;
struct ttl_timer;
struct resync_timer;
struct status_flush_timer;
struct node_observed;
struct node_removed;
struct job_state;
struct job_gone;
struct node_state;
struct node_gone;
struct replan_timer;
struct plan_wakeup;
struct set_leader;
struct api_result;
struct gpus_freeing;
struct gpus_freeing_expired;
struct job_undecodable;
struct node_lost;
struct node_unready_timer;
struct throughput_probe;
struct probe_result;
struct throughput_poll_timer;
} // namespace lattice::protocol
namespace lattice::k8s {
struct write;
} // namespace lattice::k8s

/// The project's single type-ID block. Atoms carry the `l` prefix so they
/// never collide with CAF's own (at most 10 characters).
CAF_BEGIN_TYPE_ID_BLOCK(lattice, caf::first_custom_type_id)

CAF_ADD_ATOM(lattice, lattice::atoms, inspect_atom, "lInspect")
CAF_ADD_ATOM(lattice, lattice::atoms, summary_atom, "lSummary")

CAF_ADD_TYPE_ID(lattice, (lattice::protocol::job_observed))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::job_removed))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::pod_observed))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::pod_removed))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::job_decision))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::requeue_timer))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::deadline_timer))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::ttl_timer))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::resync_timer))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::status_flush_timer))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::node_observed))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::node_removed))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::job_state))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::job_gone))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::node_state))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::node_gone))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::replan_timer))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::plan_wakeup))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::set_leader))
CAF_ADD_TYPE_ID(lattice, (lattice::k8s::write))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::api_result))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::gpus_freeing))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::gpus_freeing_expired))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::job_undecodable))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::node_lost))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::node_unready_timer))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::throughput_probe))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::probe_result))
CAF_ADD_TYPE_ID(lattice, (lattice::protocol::throughput_poll_timer))

CAF_END_TYPE_ID_BLOCK(lattice)

namespace lattice::protocol {

/// Every atom the project defines: test/unit/actors/protocol_test.cpp checks
/// each against CAF's own atoms and the `l` prefix.
inline constexpr caf::atom_value project_atoms[] = {atoms::inspect_atom::value, atoms::summary_atom::value};

} // namespace lattice::protocol
