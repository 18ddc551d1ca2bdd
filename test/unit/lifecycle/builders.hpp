#pragma once

// Builders for the k8s structs the lifecycle tests feed in: a valid job and
// worker pods, changed per test case with small lambdas.

#include "base/time.hpp"
#include "k8s/model/node.hpp"
#include "k8s/model/pod.hpp"
#include "k8s/model/training_job.hpp"

#include <string>

namespace lattice::lifecycle::test {

inline const std::string group = "breezeml.ai";

inline base::time_point at(const std::string& rfc3339) {
  return *base::parse_rfc3339(rfc3339);
}

/// A valid running job: ns "lattice", name "resnet", min 2, max 4, 2 workers.
inline k8s::training_job make_job() {
  k8s::training_job job;
  job.meta.name = "resnet";
  job.meta.namespace_ = "lattice";
  job.meta.generation = 1;
  job.meta.creation_timestamp = "2026-11-28T09:00:00Z";
  job.spec.min_size = 2;
  job.spec.max_size = 4;
  job.spec.template_info.containers = {{"trainingjob", true}};
  job.spec.template_info.requests.cpu_millis = 4000;
  job.spec.template_info.requests.memory_bytes = 16LL << 30;
  job.spec.template_info.requests.set("nvidia.com/gpu", 1);
  job.status.stage = "Running";
  job.status.current_size = 2;
  job.status.submit_time = "2026-11-28T09:00:00Z";
  job.status.exec.start_time = "2026-11-28T09:01:00Z";
  return job;
}

inline k8s::pod make_worker(int index, k8s::pod_phase phase, const std::string& node = "node-a") {
  k8s::pod pod;
  pod.meta.name = "resnet-worker-" + std::to_string(index);
  pod.meta.namespace_ = "lattice";
  pod.meta.labels[group + "/job-name"] = "resnet";
  pod.meta.labels[group + "/replica-index"] = std::to_string(index);
  pod.phase = phase;
  if (phase != k8s::pod_phase::pending)
    pod.node_name = node;
  pod.requests.cpu_millis = 4000;
  pod.requests.set("nvidia.com/gpu", 1);
  return pod;
}

} // namespace lattice::lifecycle::test
