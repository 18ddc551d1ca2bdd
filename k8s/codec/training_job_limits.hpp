#pragma once

// The range of every integer field of a TrainingJob that the operator reads.
// The decoder refuses a value outside its range, and
// helm/crd-gen/generate_crd.py reads this file to write the same range into
// the CRD as `minimum`/`maximum`, so the API server refuses what the
// operator cannot honour, with its own message. Keep each limit on one line
// in the form below (the generator parses it); test/chart checks the CRD
// against this file and test/unit/k8s/codec checks the decoder against it.

#include <array>
#include <cstdint>
#include <string_view>

namespace lattice::k8s::codec {

/// One integer field and its inclusive range. `field` is the JSON path in
/// the object: `a.b` for members, `a[].b` for a member of every item of a
/// list, `a{}.b` for a member of every value of a map.
struct int_limit {
  std::string_view field;
  std::int64_t minimum;
  std::int64_t maximum;
};

namespace limits {

/// int32 range (Kubernetes' `format: int32`, which the API server does not enforce).
inline constexpr std::int64_t int32_max = 2147483647;
/// Workers of one job: beyond what any cluster holds (Kubernetes supports
/// 5,000 nodes), low enough that per-worker state stays small.
inline constexpr std::int64_t workers_max = 10000;
/// Kubernetes' highest user-definable PriorityClass value: room above and
/// below for the planner's comparisons.
inline constexpr std::int64_t priority_max = 1000000000;
/// Seconds of the job timers (68 years): start + seconds, counted in
/// nanoseconds by std::chrono, stays inside 64 bits until the year 2094.
inline constexpr std::int64_t seconds_max = 2147483647;
/// The largest integer a JSON number holds exactly (2^53 - 1): the API
/// server keeps CRD bounds as doubles, and JavaScript clients read numbers so.
inline constexpr std::int64_t json_integer_max = 9007199254740991;

inline constexpr int_limit min_size{"spec.minSize", 1, workers_max};
inline constexpr int_limit max_size{"spec.maxSize", 1, workers_max};
inline constexpr int_limit priority{"spec.priority", -1000000000, priority_max};
inline constexpr int_limit backoff_limit{"spec.runPolicy.backoffLimit", 0, int32_max};
inline constexpr int_limit active_deadline_seconds{"spec.runPolicy.activeDeadlineSeconds", 1, seconds_max};
inline constexpr int_limit ttl_seconds_after_finished{"spec.runPolicy.ttlSecondsAfterFinished", 0,
                                                      seconds_max};
inline constexpr int_limit current_size{"status.currentSize", 0, workers_max};
inline constexpr int_limit replicas_active{"status.execStatus.replicaStatuses{}.active", 0, int32_max};
inline constexpr int_limit replicas_succeeded{"status.execStatus.replicaStatuses{}.succeeded", 0, int32_max};
inline constexpr int_limit replicas_failed{"status.execStatus.replicaStatuses{}.failed", 0, int32_max};
inline constexpr int_limit condition_generation{"status.execStatus.conditions[].observedGeneration", 0,
                                                json_integer_max};
inline constexpr int_limit gpus_held{"status.gpus.held", 0, json_integer_max};
inline constexpr int_limit gpus_wanted{"status.gpus.wanted", 0, json_integer_max};
inline constexpr int_limit queue_position{"status.queuePosition", 1, int32_max};

/// Every limit above, for the tests.
inline constexpr std::array<int_limit, 14> all{min_size,
                                               max_size,
                                               priority,
                                               backoff_limit,
                                               active_deadline_seconds,
                                               ttl_seconds_after_finished,
                                               current_size,
                                               replicas_active,
                                               replicas_succeeded,
                                               replicas_failed,
                                               condition_generation,
                                               gpus_held,
                                               gpus_wanted,
                                               queue_position};

} // namespace limits
} // namespace lattice::k8s::codec
