#pragma once

#include "k8s/model/training_job.hpp"
#include "k8s/result.hpp"

#include <cstdint>
#include <string>

namespace lattice::lifecycle {

/// Default MASTER_PORT of non-injected jobs (the port Kubeflow's PyTorchJob
/// uses). Injected jobs use the agent's port 29500 instead.
inline constexpr std::int32_t default_master_port = 23456;

/// Everything a worker pod depends on besides its TrainingJob. The builder
/// is pure: same input, same JSON (members in a fixed order).
struct worker_pod_input {
  /// CRD group, e.g. "breezeml.ai": label prefix and owner apiVersion "<group>/v1".
  std::string api_group;
  /// Replica index of this pod, 0 <= index < world_size.
  std::int32_t index = 0;
  /// The job's current size (status.currentSize after the decision).
  std::int32_t world_size = 1;
  /// Node the planner chose: required node affinity on its name (matchFields metadata.name).
  std::string node_name;
  /// Also spec.nodeName = node_name: the pod is created bound.
  bool bind_to_node = false;
  /// The operator's own image (repository:tag): runs the agent installer
  /// init container on injected pods. Required when injectLattice is true.
  std::string operator_image;
  /// The configured GPU resource name: its limit on the first container is
  /// LATTICE_NPROC_PER_NODE on injected pods.
  std::string gpu_resource = "nvidia.com/gpu";
  /// MASTER_PORT / PET_MASTER_PORT of non-injected pods.
  std::int32_t master_port = default_master_port;
  /// LATTICE_AGENT_STATUS_PORT of injected pods (the agent serves its
  /// throughput there); 0: not set, the agent's default.
  std::int32_t agent_status_port = 0;
};

/// Builds the core/v1 Pod create body of worker `index` of `job`:
/// - name and spec.hostname `worker_pod_name(job, index)`, spec.subdomain
///   `workers_service_name(job)` (pod 0 resolves as
///   `<pod0>.<job>-workers.<ns>.svc`), labels job-name, replica-index,
///   role=worker, job-uid (pod_names.hpp), merged over the template's;
/// - controller ownerReference to the TrainingJob (blockOwnerDeletion);
/// - restartPolicy Never (failures are counted against backoffLimit);
/// - required node affinity pinning it to `node_name`, and with
///   `bind_to_node` spec.nodeName too (created bound, kube-scheduler skips it);
/// - without injectLattice, in every container (replacing same-named
///   variables): WORLD_SIZE, RANK (= index; one node per pod),
///   MASTER_ADDR, MASTER_PORT, PET_NNODES, PET_NODE_RANK, PET_MASTER_ADDR,
///   PET_MASTER_PORT, LATTICE_FRAMEWORK, LATTICE_JOB_NAME,
///   LATTICE_JOB_NAMESPACE, LATTICE_MIN_SIZE, LATTICE_MAX_SIZE,
///   LATTICE_WORKER_INDEX;
/// - with injectLattice, exactly docs/design/agent.md §2 on the first
///   container: command rewrite (args removed), the agent volume mounted
///   read-only at /lattice/agent, the `lattice-agent-install` init
///   container, and the LATTICE_* table (user-set variables left alone). The
///   plain WORLD_SIZE/RANK/MASTER_*/PET_* are not set (the agent sets the
///   workers' own).
/// Errors (kind decode, object "ns/name" of the pod, field path): bad index
/// or size, empty group or node, injectLattice without operator image or
/// without a command on the first container (the message names it), a
/// malformed template.
k8s::result<std::string> build_worker_pod(const k8s::training_job& job, const worker_pod_input& input);

} // namespace lattice::lifecycle
