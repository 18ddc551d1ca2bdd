#pragma once

#include "k8s/model/node.hpp"
#include "k8s/model/pod.hpp"
#include "k8s/model/training_job.hpp"
#include "plugin/queue_analysis.hpp"
#include "scheduling/snapshot.hpp"
#include "scheduling/time.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lattice::plugin {

/// The objects the plugin reads, as the operator's codec decodes them.
struct cluster_objects {
  std::vector<k8s::training_job> jobs;
  std::vector<k8s::pod> pods;
  std::vector<k8s::node> nodes;
};

/// The planner's input built from the objects exactly as the operator
/// builds it (lifecycle/snapshot_conversion.hpp), plus what the plugin
/// shows beside it.
struct live_snapshot {
  scheduling::snapshot snapshot;
  /// Running jobs' latest end (startTime + activeDeadlineSeconds).
  deadlines ends;
  /// Every TrainingJob's stage ("Waiting" for a job the operator has not
  /// staged yet; "Invalid" and "Suspended" for jobs the planner skips).
  std::map<std::string, int> stages;
  /// "namespace/name" -> validation message of jobs the operator rejects.
  std::map<std::string, std::string> invalid;
};

/// Builds the snapshot: every valid, unfinished, unsuspended job with its
/// live workers, every node with the requests of pods that are not workers.
live_snapshot build_live_snapshot(const cluster_objects& objects, const std::string& api_group);

/// A new job (from `kubectl lattice simulate -f`) as the planner would see
/// it once applied at `now`; the validation message instead when the
/// operator would reject it.
struct new_job {
  std::optional<scheduling::job_info> info;
  std::string error;
};
new_job convert_new_job(k8s::training_job job, const std::string& api_group, scheduling::time_point now);

/// RFC 3339 text (the operator's parser); nullopt when malformed or empty.
std::optional<scheduling::time_point> parse_time(const std::string& text);

} // namespace lattice::plugin
