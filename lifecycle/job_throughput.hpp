#pragma once

#include "lifecycle/job_model.hpp"
#include "lifecycle/job_step.hpp"

#include <optional>
#include <string>

// A job's throughput reports as steps of the job (lifecycle/job_transition.hpp
// has the others): which agent to ask, and what its answer changes. The job
// actor asks on its poll timer, through a probe actor, never blocking.

namespace lattice::lifecycle {

/// The agent to ask: a worker pod and its IP.
struct throughput_probe_target {
  std::string pod;
  std::string ip;
};

/// The lowest-index worker of a Running injected job whose workers all run
/// (as many live Running workers with an IP as currentSize); nullopt
/// otherwise (nothing to measure, or the placement is changing).
std::optional<throughput_probe_target> throughput_probe_target_of(const job_model& job);

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
