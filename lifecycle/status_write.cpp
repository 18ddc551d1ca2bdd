#include "lifecycle/status_write.hpp"

#include "k8s/codec/encoders.hpp"

#include <functional>
#include <string>

namespace lattice::lifecycle {

status_signature sign_status(const k8s::training_job_status& status) {
  status_signature out;
  std::string counts;
  for (const auto& r : status.exec.replica_statuses)
    counts += r.replica_type + ':' + std::to_string(r.active) + ',' + std::to_string(r.succeeded) + ','
              + std::to_string(r.failed) + ';';
  counts += "requeue:" + status.requeue_time;
  // The reason word is a column of `kubectl get tj -o wide` and the first
  // thing a user reads: a new word goes out with the next batch, so a job
  // its reports hold at its size does not say "no room" for minutes while a
  // GPU is free. The word changes when the planner's cause does; the text
  // beside it, which changes with nearly every plan, still waits.
  counts += ";reason:" + status.reason;
  out.counts = std::hash<std::string>{}(counts) | 1; // never 0
  auto decisive = status;
  decisive.exec.replica_statuses.clear();
  decisive.requeue_time.clear();
  decisive.exec.last_reconcile_time.clear();
  for (auto& c : decisive.exec.conditions) {
    c.message.clear();
    c.last_update_time.clear();
  }
  // What follows the planner counts here when it appears or goes, not when
  // its value changes: a queue position moves for every waiting job
  // whenever the head is admitted.
  if (!decisive.reason.empty())
    decisive.reason = "set";
  decisive.message.clear();
  if (decisive.queue_position)
    decisive.queue_position = 1;
  // The measured rate moves with every report: only its appearing or
  // going, or a rate of another size or node count (the job was resized:
  // the old size's rate must not stand beside the new currentSize), is
  // written at once.
  if (decisive.throughput)
    decisive.throughput =
        k8s::throughput_status{0, decisive.throughput->workers, decisive.throughput->nodes, ""};
  out.decisive = std::hash<std::string>{}(k8s::encode_training_job_status_patch(decisive, "")) | 1;
  return out;
}

status_write_urgency classify_status_change(const status_signature& written,
                                            const status_signature& current) {
  if (written.decisive != current.decisive)
    return status_write_urgency::now;
  if (written.counts != current.counts)
    return status_write_urgency::soon;
  return status_write_urgency::later;
}

} // namespace lattice::lifecycle
