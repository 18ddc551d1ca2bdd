#pragma once

#include "k8s/model/service.hpp"
#include "k8s/model/training_job.hpp"
#include "k8s/result.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace lattice::lifecycle {

/// Inputs of the per-job rendezvous pod besides its TrainingJob
/// (docs/design/agent.md §1).
struct rendezvous_pod_input {
  /// CRD group, e.g. "breezeml.ai".
  std::string api_group;
  /// The operator's own image: runs the agent installer init container.
  std::string operator_image;
  /// The chart's nodeSelector / tolerations (what the operator pod uses).
  std::map<std::string, std::string> node_selector;
  /// JSON array of core/v1 Tolerations, as in the chart values ("[]" for none).
  std::string tolerations_json = "[]";
  /// LATTICE_TARGET_SIZE: status.currentSize when the pod is created.
  std::int32_t target_size = 0;
};

/// core/v1 Pod create body `<job>-rendezvous`: labels job-name +
/// role=rendezvous (+ job-uid), controller owner (blockOwnerDeletion),
/// restartPolicy Always, the chart's nodeSelector/tolerations, the job
/// template's imagePullSecrets, the agent volume and installer init
/// container, and one container `rendezvous` (image of the job template's
/// first container) running lattice.rendezvous from the wheel with port
/// 29400, readiness GET /healthz, requests cpu 50m / memory 64Mi, limit
/// memory 256Mi, env LATTICE_MIN_SIZE, LATTICE_MAX_SIZE,
/// LATTICE_TARGET_SIZE, LATTICE_RDZV_PORT=29400, LATTICE_MASTER_PORT=29500.
/// Errors (kind decode, naming the pod and field): empty group or operator
/// image, malformed tolerations, a template without a first container image.
k8s::result<std::string> build_rendezvous_pod(const k8s::training_job& job,
                                              const rendezvous_pod_input& input);

/// The `<job>-rendezvous` ClusterIP Service: port 29400 TCP "rendezvous" ->
/// 29400, selecting job-name + role=rendezvous, owned by the job.
k8s::service make_rendezvous_service(const k8s::training_job& job, const std::string& api_group);

/// The headless `<job>-workers` Service (clusterIP None) selecting job-name
/// + role=worker: gives worker pods (hostname/subdomain) their DNS names,
/// so MASTER_ADDR `<job>-worker-0.<job>-workers.<ns>.svc` resolves. One
/// port, "master" -> `master_port`.
k8s::service make_workers_service(const k8s::training_job& job, const std::string& api_group,
                                  std::int32_t master_port);

/// encode_service plus blockOwnerDeletion on the controller reference.
std::string encode_owned_service(const k8s::service& svc);

} // namespace lattice::lifecycle
