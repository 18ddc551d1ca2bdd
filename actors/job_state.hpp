#pragma once

#include "actors/job_settings.hpp"
#include "k8s/model/pod.hpp"
#include "k8s/model/training_job.hpp"
#include "lifecycle/expectations.hpp"
#include "lifecycle/status_write.hpp"
#include "scheduling/job_info.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace lattice::actors {

/// The job actor's state (actors/job_actor.cpp): the observed object, the
/// intended status this actor writes, the job's pods and what is in flight.
struct job_state {
  static inline const char* name = "lattice.job";

  /// Shared by every job actor (one copy, not thousands).
  std::shared_ptr<const job_settings> settings;
  std::string namespace_;
  std::string job_name;
  /// Caches synced and this replica leads: only then does the actor write.
  bool leader = false;

  /// The TrainingJob as last observed (meta, spec; its status is what was
  /// stored when it was observed).
  std::optional<k8s::training_job> observed;
  /// The status as this actor intends it: taken from the observed object
  /// once (adoption after a restart), then owned here and written back.
  k8s::training_job_status status;
  bool adopted = false;
  /// Set when this actor starts acting (spawned as leader, or leadership
  /// gained): the next observation checks the stored status against the
  /// pods that exist (a restarted operator adopts what runs).
  bool check_adoption = true;
  /// When the last decision that changed the placement arrived (actor
  /// clock), until all its workers run: lattice_apply_to_running_seconds.
  std::optional<std::chrono::steady_clock::time_point> applied_at;
  /// The same decision, until every worker it places is created
  /// (actors/job_timing.hpp); `sent`: it needed a create.
  struct create_timing {
    std::chrono::steady_clock::time_point started;
    bool sent = false;
  };
  std::optional<create_timing> create_timer;
  /// Since when the job waits for admission (actor clock; nullopt: admitted
  /// or not seen waiting yet): lattice_admission_wait_seconds.
  std::optional<std::chrono::steady_clock::time_point> queued_at;
  /// The intended status differs from what was last written.
  bool status_dirty = false;
  /// A status PATCH is in flight: the next one waits for its answer (one
  /// write per job at a time, the latest status wins).
  bool status_writing = false;
  /// Hashes of the last written status (zeros: none), to tell how soon the
  /// next change must go out (lifecycle/status_write.hpp). Hashes, not the
  /// text: this is kept for every one of thousands of jobs.
  lifecycle::status_signature status_written;
  std::uint64_t status_flush_generation = 0;
  /// When the armed flush timer fires (actor clock); nullopt: none armed.
  std::optional<std::chrono::steady_clock::time_point> status_flush_due;
  /// Autoscaler state persisted as annotations (docs/design/operator.md).
  std::int32_t schedule_failures = 0;
  std::int64_t worker_failures = 0;
  std::string last_resize_time;
  /// uids of Failed workers already counted in worker_failures.
  std::set<std::string> counted_failures;

  /// Every pod the job controls, by name.
  std::map<std::string, k8s::pod> pods;
  /// The last decision's placement; nullopt until a decision arrives.
  std::optional<std::vector<scheduling::worker_placement>> target;
  /// Why the planner keeps the job waiting or below maxSize.
  std::string planner_reason;
  lifecycle::expectations creating;
  lifecycle::expectations deleting;
  bool workers_service_created = false;
  bool rendezvous_service_created = false;

  /// The spec breaks a rule: problems as one line (empty when valid).
  std::string invalid_message;
  std::int64_t invalid_generation = -1;
  bool finish_handled = false;
  /// Stage the jobs-by-stage gauge counts this job under ("" = none).
  std::string gauge_stage;
  /// What the autoscaler was last told ("" = nothing / gone).
  std::string sent_fingerprint;

  std::uint64_t requeue_generation = 0;
  std::uint64_t deadline_generation = 0;
  std::uint64_t ttl_generation = 0;
  std::uint64_t resync_generation = 0;
  bool resync_armed = false;

  /// The last few Events and failed writes, newest last (inspection).
  /// A vector, not a deque: an empty deque allocates ~600 bytes, times
  /// thousands of jobs.
  std::vector<std::string> recent;
  std::uint64_t writes = 0;
  std::uint64_t write_failures = 0;
  std::uint64_t event_serial = 0;

  std::string key() const { return namespace_ + "/" + job_name; }
  /// The observed meta and spec with the intended status and annotations:
  /// what the pure lifecycle functions read.
  k8s::training_job view() const;
  /// The job's pods as a vector (lifecycle functions take vectors).
  std::vector<k8s::pod> pod_list() const;
  void remember(std::string line);
};

/// The inspect answer: spec summary, intended and observed status, pods,
/// expectations, timers and the last events.
std::string inspect_json(const job_state& st, std::size_t mailbox_size);

/// One line for the actors list: kind, name, mailbox, stage, size.
std::string summary_json(const job_state& st, std::size_t mailbox_size);

} // namespace lattice::actors
