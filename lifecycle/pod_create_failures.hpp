#pragma once

#include "lifecycle/job_step.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>

// How a job reacts when the API server does not create one of its pods.
//
// - Permanent (the pod as the template describes it can never be created:
//   400, 422 Invalid, a 403 from Pod Security admission or another
//   admission denial): the job gets Invalid=True with reason
//   PodCreateRefused and a Warning Event, both carrying the API server's
//   message; its pods are deleted and it leaves the autoscaler's queue, so
//   its GPUs go to other jobs. It is tried again only when
//   metadata.generation changes (the spec was edited).
// - Transient (429, a 403 for an exceeded ResourceQuota, 5xx, no answer):
//   the creates are retried after a capped exponential backoff with jitter,
//   per job; a worker that cannot be created for the requeue timeout counts
//   as a worker stuck Pending (rule 5): the job goes back to the queue with
//   a cooldown.
//
// One round of creates (every missing worker of one pass) counts as one
// failure, so the write rate per job is bounded by
// missing workers / create_backoff(n) whatever the API server answers.

namespace lattice::lifecycle {

enum class create_failure_kind {
  /// Retrying the same pod gives the same answer: wait for a new generation.
  permanent,
  /// The API server or the namespace's quota may let it through later.
  transient,
};

/// Classifies a failed pod create by the API server's answer.
create_failure_kind classify_create_failure(const write_result& result);

/// First retry delay after a transient failure, and the most a retry waits.
inline constexpr std::chrono::milliseconds create_backoff_base{1'000};
inline constexpr std::chrono::milliseconds create_backoff_cap{60'000};

/// The delay before the next round of creates after `failures` consecutive
/// failed rounds (1 = the first): base * 2^(failures-1), capped, then
/// jittered into [delay/2, delay] by a hash of `job_key` and `failures`, so
/// jobs that failed together do not retry together, and the same inputs
/// always give the same delay (tests need no random seam).
std::chrono::milliseconds create_backoff(std::int32_t failures, std::string_view job_key);

} // namespace lattice::lifecycle
