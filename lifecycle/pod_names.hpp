#pragma once

#include "k8s/model/scheduling_constraints.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lattice::lifecycle {

/// Deterministic names and labels of the objects the operator creates for a
/// TrainingJob (docs/design/agent.md, docs/design/operator.md).
///
/// Length rule: pod hostnames, Service names and label values are DNS-1123
/// labels (at most 63 characters, no dots). When the natural name
/// `<job><suffix>` does not fit (or the job name contains a dot, legal in a
/// TrainingJob name but not in a label), the name becomes
/// `<first N chars of job>-<8 hex of sha256(job)><short suffix>`, dots in
/// the prefix replaced by '-', sized so it always fits:
///
///   object                  natural name           shortened form                   max
///   worker pod (hostname)   <job>-worker-<i>       <job[:40]>-<h8>-w<i>              61
///   headless workers Svc    <job>-workers          <job[:46]>-<h8>-wrks              60
///   rendezvous pod and Svc  <job>-rendezvous       <job[:46]>-<h8>-rdzv (agent.md)   60
///   job-name label value    <job>                  <job[:54]>-<h8>                   63
///
/// Service names (the workers Service, the rendezvous Service and pod) are
/// DNS-1035 labels: they must start with a letter. A TrainingJob name may
/// start with a digit ("1job"); such a job's Service names always take the
/// shortened form with a leading "j": `j<job[:45]>-<h8>-wrks` and
/// `j<job[:45]>-<h8>-rdzv` (60 characters at most). Natural names end in
/// `-workers`/`-rendezvous`, shortened ones in `-<h8>-wrks`/`-<h8>-rdzv`, so
/// the two forms never collide. Pod names (DNS-1123) keep the digit.
///
/// The hash makes two long names with the same prefix distinct; the same job
/// name always gives the same names (no randomness).
inline constexpr std::size_t max_dns_label = 63;

/// First 8 hex characters of sha256(job).
std::string job_hash8(std::string_view job);

/// `<job>-worker-<index>` (shortened per the rule above).
std::string worker_pod_name(std::string_view job, std::int32_t index);

/// `<job>-workers`: the headless Service that gives worker pods DNS names.
std::string workers_service_name(std::string_view job);

/// `<job>-rendezvous`: the rendezvous pod and its Service share this name.
std::string rendezvous_name(std::string_view job);

/// Value of the `<group>/job-name` label: `<job>`, shortened past 63 chars.
std::string job_name_label_value(std::string_view job);

/// Values of the `<group>/role` label.
inline constexpr std::string_view role_worker = "worker";
inline constexpr std::string_view role_rendezvous = "rendezvous";

/// The label keys under the CRD group (e.g. "breezeml.ai/job-name").
struct label_keys {
  std::string job_name;
  std::string replica_index;
  std::string role;
  std::string job_uid;
};

label_keys make_label_keys(std::string_view group);

/// Annotation `<group>/node` on a worker pod: the node the planner pinned it
/// to, so a Pending worker (no spec.nodeName yet) still tells where it is
/// meant to run. An annotation, not a label: node names may be longer than
/// the 63 characters a label value allows.
std::string pinned_node_annotation(std::string_view group);

/// Annotation `<group>/world-size` on a worker pod: the job size its
/// environment (WORLD_SIZE, PET_NNODES) was built for. A non-injected worker
/// whose value differs from the job's size is restarted at the new size.
std::string world_size_annotation(std::string_view group);

/// Labels of worker pod `index`: job-name, replica-index, role=worker, job-uid
/// (job-uid omitted when `job_uid` is empty).
std::map<std::string, std::string> worker_labels(std::string_view group, std::string_view job,
                                                 std::string_view job_uid, std::int32_t index);

/// Labels of the rendezvous pod: job-name, role=rendezvous, job-uid.
std::map<std::string, std::string> rendezvous_labels(std::string_view group, std::string_view job,
                                                     std::string_view job_uid);

/// Selector of the headless workers Service: job-name + role=worker (sorted).
std::vector<k8s::label_pair> workers_selector(std::string_view group, std::string_view job);

/// Selector of the rendezvous Service: job-name + role=rendezvous (sorted).
std::vector<k8s::label_pair> rendezvous_selector(std::string_view group, std::string_view job);

} // namespace lattice::lifecycle
