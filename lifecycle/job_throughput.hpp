#pragma once

#include "lifecycle/job_model.hpp"
#include "lifecycle/job_step.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// A job's throughput reports as steps of the job (lifecycle/job_transition.hpp
// has the others): which agent to ask, and what its answer changes. The job
// actor asks on its poll timer, through a probe actor, never blocking.

namespace lattice::lifecycle {

/// The agent to ask: a worker pod, its IP and the agent's status port.
struct throughput_probe_target {
  std::string pod;
  std::string ip;
  std::uint16_t port = 0;
};

/// The port the agent serves on when nobody sets LATTICE_AGENT_STATUS_PORT
/// (agent/lattice/agent/config.py).
inline constexpr std::uint16_t agent_default_status_port = 29410;

/// A LATTICE_AGENT_STATUS_PORT value as the agent accepts it: a whole number
/// from 0 to 65535 (0: the agent serves no rate); nullopt for anything else.
std::optional<std::uint16_t> parse_agent_status_port(std::string_view text);

/// Where a job's agents serve their rate: the literal
/// LATTICE_AGENT_STATUS_PORT of its template's first container when the user
/// set one (the injection keeps it), else the operator's --agent-status-port,
/// else the agent's default. 0 when the agents serve nothing.
std::uint16_t agent_status_port_of(const k8s::training_job_spec& spec, const job_config& config);

/// The lowest-index worker of a Running injected job whose workers all run
/// (as many live Running workers with an IP as currentSize); nullopt
/// otherwise (nothing to measure, the placement is changing, or the job's
/// agents were told to serve no rate).
std::optional<throughput_probe_target> throughput_probe_target_of(const job_model& job,
                                                                  const job_config& config);

/// What the probe brought back from `pod`: the body of a 200 answer, or why
/// there is none.
struct throughput_answer {
  std::string pod;
  bool ok = false;
  std::string body;
  std::string error;
};

/// Applies an agent's answer: a sound report of the size and placement in
/// force is kept (lifecycle/throughput_report.hpp), shown in
/// status.throughput, and the autoscaler hears the job's new reports.
/// Anything else only leaves a note for inspection (and a log line when
/// the note changes). Leading replica only: a standby writes no status.
effects on_throughput_answer(job_model& job, const throughput_answer& answer, const job_config& config,
                             instant now);

/// A poll found nobody to ask: a job back in the queue (preempted,
/// requeued) no longer shows a rate; a finished job keeps its last one.
effects on_throughput_idle(job_model& job, const job_config& config, instant now);

} // namespace lattice::lifecycle
