#pragma once

// The one set of builders every suite uses: a TrainingJob, a pod, a node,
// each built fluently from a valid default and decoded by the real codec,
// so a test names only what matters to it:
//
//   make_job("bert").priority(3).min(1).max(4).inject()
//   make_pod("resnet-worker-0").worker(0).owned_by(job).on("node-a").running()
//   make_node("node-a").gpus(8).taint("dedicated", "x", "NoSchedule")
//   make_decision({{0, "node-a"}, {1, "node-b"}}).changed().reason("at maxSize")

#include "base/time.hpp"
#include "k8s/codec/decoders.hpp"
#include "lifecycle/job_model.hpp"
#include "scheduling/plan.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace lattice::test {

namespace json = boost::json;

/// The CRD group every builder uses.
inline const std::string group = "breezeml.ai";

/// An RFC 3339 instant (fails the test when malformed).
inline base::time_point at(const std::string& rfc3339) {
  const auto t = base::parse_rfc3339(rfc3339);
  if (!t)
    ADD_FAILURE() << "not RFC 3339: " << rfc3339;
  return t.value_or(base::time_point{});
}

/// A TrainingJob. Default: "lattice/resnet", uid job-uid-1, generation 1,
/// created 2026-11-28T09:00:00Z, minSize 1, maxSize 4, priority 0, no
/// injection, one container with a command asking for one GPU, no status.
class job_builder {
public:
  explicit job_builder(std::string name) : doc_(defaults()) { meta()["name"] = std::move(name); }

  job_builder& ns(std::string v) { return set(meta(), "namespace", std::move(v)); }
  job_builder& uid(std::string v) { return set(meta(), "uid", std::move(v)); }
  job_builder& generation(std::int64_t v) { return set(meta(), "generation", v); }
  job_builder& resource_version(std::string v) { return set(meta(), "resourceVersion", std::move(v)); }
  job_builder& created(std::string v) { return set(meta(), "creationTimestamp", std::move(v)); }
  job_builder& annotation(const std::string& key, std::string v) {
    auto& a = meta()["annotations"];
    if (!a.is_object())
      a = json::object();
    a.as_object()[key] = std::move(v);
    return *this;
  }
  job_builder& min(std::int64_t v) { return set(spec(), "minSize", v); }
  job_builder& max(std::int64_t v) { return set(spec(), "maxSize", v); }
  job_builder& priority(std::int64_t v) { return set(spec(), "priority", v); }
  job_builder& inject(bool v = true) { return set(spec(), "injectLattice", v); }
  job_builder& framework(std::string v) { return set(spec(), "framework", std::move(v)); }
  job_builder& backoff_limit(std::int64_t v) { return set(run(), "backoffLimit", v); }
  job_builder& deadline_seconds(std::int64_t v) { return set(run(), "activeDeadlineSeconds", v); }
  job_builder& ttl_seconds(std::int64_t v) { return set(run(), "ttlSecondsAfterFinished", v); }
  job_builder& clean_pod_policy(std::string v) { return set(run(), "cleanPodPolicy", std::move(v)); }
  job_builder& suspend(bool v = true) { return set(run(), "suspend", v); }
  /// GPUs each worker asks for (limits of the first container).
  job_builder& gpus(std::int64_t v) {
    container()["resources"].as_object()["limits"].as_object()["nvidia.com/gpu"] = v;
    return *this;
  }
  /// One env entry of the first container.
  job_builder& env(const std::string& name, std::string value) {
    auto& list = container()["env"];
    if (!list.is_array())
      list = json::array();
    list.as_array().push_back(json::object{{"name", name}, {"value", std::move(value)}});
    return *this;
  }
  /// The stored status (as a previous leader wrote it).
  job_builder& stage(std::string v) { return set(status(), "stage", std::move(v)); }
  job_builder& size(std::int64_t v) { return set(status(), "currentSize", v); }
  job_builder& status_field(const std::string& key, std::string v) {
    return set(status(), key, std::move(v));
  }
  /// execStatus.startTime of the stored status.
  job_builder& started(std::string v) {
    auto& exec = status()["execStatus"];
    if (!exec.is_object())
      exec = json::object();
    exec.as_object()["startTime"] = std::move(v);
    return *this;
  }
  /// Anything else, on the JSON object.
  job_builder& with(const std::function<void(json::object&)>& edit) {
    edit(doc_);
    return *this;
  }

  /// The JSON the API server would send.
  const json::object& object() const { return doc_; }
  /// Decoded by the real codec (fails the test when it does not decode).
  k8s::training_job build() const {
    auto job = k8s::decode_training_job(json::serialize(doc_));
    if (!job) {
      ADD_FAILURE() << job.err().to_string();
      return {};
    }
    return job.value();
  }
  operator k8s::training_job() const { return build(); } // NOLINT(google-explicit-constructor): builder

private:
  static json::object defaults() {
    return json::parse(R"({
      "apiVersion": "breezeml.ai/v1", "kind": "TrainingJob",
      "metadata": {"name": "resnet", "namespace": "lattice", "uid": "job-uid-1", "resourceVersion": "10",
                   "generation": 1, "creationTimestamp": "2026-11-28T09:00:00Z"},
      "spec": {"minSize": 1, "maxSize": 4, "priority": 0, "injectLattice": false, "runPolicy": {},
               "replicaSpecs": {"template": {"spec": {"containers": [
                 {"name": "trainingjob", "image": "breezeml/lattice-resnet:1.0.1", "command": ["python", "main.py"],
                  "resources": {"limits": {"nvidia.com/gpu": 1}}}]}}}}})")
        .as_object();
  }
  template <class T>
  job_builder& set(json::object& o, const std::string& key, T v) {
    o[key] = json::value_from(std::move(v));
    return *this;
  }
  json::object& meta() { return doc_["metadata"].as_object(); }
  json::object& spec() { return doc_["spec"].as_object(); }
  json::object& run() { return spec()["runPolicy"].as_object(); }
  json::object& status() {
    auto& s = doc_["status"];
    if (!s.is_object())
      s = json::object();
    return s.as_object();
  }
  json::object& container() {
    return spec()["replicaSpecs"]
        .as_object()["template"]
        .as_object()["spec"]
        .as_object()["containers"]
        .as_array()[0]
        .as_object();
  }

  json::object doc_;
};

inline job_builder make_job(std::string name = "resnet") {
  return job_builder(std::move(name));
}

/// A pod. Default: "lattice/<name>", uid "uid-<name>", Pending, no labels,
/// no owner. worker(i) and owned_by(job) make it one of the job's workers.
class pod_builder {
public:
  explicit pod_builder(std::string name) {
    pod_.meta.name = std::move(name);
    pod_.meta.namespace_ = "lattice";
    pod_.meta.uid = "uid-" + pod_.meta.name;
    pod_.phase = k8s::pod_phase::pending;
  }

  pod_builder& ns(std::string v) {
    return edit([&](k8s::pod& p) { p.meta.namespace_ = std::move(v); });
  }
  pod_builder& uid(std::string v) {
    return edit([&](k8s::pod& p) { p.meta.uid = std::move(v); });
  }
  /// Controlled by TrainingJob `job_uid` (named `job_name`) of the test group.
  pod_builder& owned_by(std::string job_uid, std::string job_name = "resnet") {
    pod_.meta.owner_references = {
        {group + "/v1", "TrainingJob", std::move(job_name), std::move(job_uid), true}};
    return *this;
  }
  pod_builder& owned_by(const k8s::training_job& job) { return owned_by(job.meta.uid, job.meta.name); }
  /// Worker `index`: the replica-index, job-name and role labels.
  pod_builder& worker(std::int32_t index, const std::string& job = "resnet") {
    pod_.meta.labels[group + "/replica-index"] = std::to_string(index);
    pod_.meta.labels[group + "/job-name"] = job;
    pod_.meta.labels[group + "/role"] = "worker";
    return *this;
  }
  pod_builder& label(const std::string& key, std::string v) {
    pod_.meta.labels[key] = std::move(v);
    return *this;
  }
  /// Pinned to `node` by the operator (annotation; no spec.nodeName yet).
  pod_builder& pinned(const std::string& node) {
    pod_.meta.annotations[group + "/node"] = node;
    return *this;
  }
  /// Bound to `node` (spec.nodeName) and pinned there.
  pod_builder& on(const std::string& node) {
    pinned(node);
    pod_.node_name = node;
    return *this;
  }
  /// Built for a job of `size` workers (annotation).
  pod_builder& built_for(std::int32_t size) {
    pod_.meta.annotations[group + "/world-size"] = std::to_string(size);
    return *this;
  }
  pod_builder& phase(k8s::pod_phase v) {
    return edit([&](k8s::pod& p) { p.phase = v; });
  }
  pod_builder& pending() { return phase(k8s::pod_phase::pending); }
  /// Running (its Ready condition stays unknown unless ready() says).
  pod_builder& running() { return phase(k8s::pod_phase::running); }
  pod_builder& succeeded() { return phase(k8s::pod_phase::succeeded); }
  pod_builder& failed(std::string reason = {}) {
    pod_.reason = std::move(reason);
    return phase(k8s::pod_phase::failed);
  }
  /// Being deleted; the grace period ends at `deadline`.
  pod_builder& terminating(std::string deadline = "2026-11-28T10:00:30Z") {
    pod_.meta.deletion_timestamp = std::move(deadline);
    return *this;
  }
  pod_builder& ready(k8s::condition_status v) {
    return edit([&](k8s::pod& p) { p.ready = v; });
  }
  pod_builder& restarts(std::int32_t n) {
    pod_.container_statuses = {{"trainingjob", true, false, n, 0, ""}};
    return *this;
  }
  pod_builder& gpus(std::int64_t n) {
    pod_.requests.set("nvidia.com/gpu", n);
    return *this;
  }
  pod_builder& edit(const std::function<void(k8s::pod&)>& f) {
    f(pod_);
    return *this;
  }

  k8s::pod build() const { return pod_; }
  operator k8s::pod() const { return pod_; } // NOLINT(google-explicit-constructor): builder
  /// As a job model keeps it.
  lifecycle::pod_record record() const { return lifecycle::make_pod_record(pod_, group); }

private:
  k8s::pod pod_;
};

inline pod_builder make_pod(std::string name) {
  return pod_builder(std::move(name));
}

/// Worker `index` of job "resnet" (uid job-uid-1) in `phase` on `node`
/// (pinned only while Pending), built for `size` workers.
inline pod_builder make_worker(std::int32_t index, k8s::pod_phase phase = k8s::pod_phase::running,
                               const std::string& node = "node-a", std::int32_t size = 0) {
  auto b = make_pod("resnet-worker-" + std::to_string(index)).worker(index).owned_by("job-uid-1");
  if (phase == k8s::pod_phase::pending)
    b.pinned(node);
  else
    b.on(node);
  if (size > 0)
    b.built_for(size);
  return phase == k8s::pod_phase::running ? std::move(b.running()) : std::move(b.phase(phase));
}

/// The model a job actor would hold for `job` and `pods` after adopting
/// the stored status and annotations (as the leader does on first sight).
inline lifecycle::job_model make_model(const k8s::training_job& job, const std::vector<k8s::pod>& pods = {}) {
  lifecycle::job_model m(job.meta.namespace_, job.meta.name, std::chrono::seconds(30));
  m.object = job;
  m.status = lifecycle::status_from_api(job.status);
  m.persisted = lifecycle::persisted_from(job.meta, group);
  m.adopted = true;
  for (const auto& pod : pods)
    m.pods[pod.meta.name] = lifecycle::make_pod_record(pod, group);
  return m;
}

/// The autoscaler's decision for job "lattice/resnet": Running on
/// `workers` at their number, or Waiting when there are none. Default: not
/// changed, nothing added, no reason, not preempted.
class decision_builder {
public:
  explicit decision_builder(std::vector<scheduling::worker_placement> workers) {
    d_.namespace_ = "lattice";
    d_.name = "resnet";
    d_.stage = workers.empty() ? scheduling::job_stage::waiting : scheduling::job_stage::running;
    d_.size = static_cast<std::int32_t>(workers.size());
    d_.workers = std::move(workers);
  }

  decision_builder& name(std::string name) {
    d_.name = std::move(name);
    return *this;
  }
  /// Stage or size differs from the job's current one.
  decision_builder& changed() {
    d_.changed = true;
    return *this;
  }
  /// Every worker is a pod to create.
  decision_builder& all_added() {
    d_.added = d_.workers;
    return *this;
  }
  decision_builder& reason(std::string why) {
    d_.reason = std::move(why);
    return *this;
  }
  /// The same size, moved onto one node (repacking).
  decision_builder& moved() {
    d_.moved = true;
    return *this;
  }
  /// Back to Waiting to make room for job `by` ("" : stopped, not preempted).
  decision_builder& preempted_by(std::string by) {
    d_.preempted = !by.empty();
    d_.preempted_by = std::move(by);
    return *this;
  }

  scheduling::job_decision build() const { return d_; }
  operator scheduling::job_decision() const { return d_; } // NOLINT(google-explicit-constructor): builder

private:
  scheduling::job_decision d_;
};

inline decision_builder make_decision(std::vector<scheduling::worker_placement> workers = {}) {
  return decision_builder(std::move(workers));
}

/// A node. Default: Ready, schedulable, 8 GPUs, 64 cores, 512 GiB.
class node_builder {
public:
  explicit node_builder(std::string name) {
    node_.meta.name = std::move(name);
    node_.meta.uid = "uid-" + node_.meta.name;
    node_.ready = k8s::condition_status::true_;
    gpus(8);
    node_.allocatable.cpu_millis = 64'000;
    node_.allocatable.memory_bytes = std::int64_t{512} << 30;
  }
  node_builder& gpus(std::int64_t n) {
    node_.allocatable.set("nvidia.com/gpu", n);
    return *this;
  }
  node_builder& not_ready() {
    node_.ready = k8s::condition_status::false_;
    return *this;
  }
  node_builder& unschedulable() {
    node_.unschedulable = true;
    return *this;
  }
  node_builder& label(const std::string& key, std::string v) {
    node_.meta.labels[key] = std::move(v);
    return *this;
  }
  node_builder& taint(std::string key, std::string value, k8s::taint_effect effect) {
    node_.taints.push_back({std::move(key), std::move(value), effect});
    return *this;
  }

  k8s::node build() const { return node_; }
  operator k8s::node() const { return node_; } // NOLINT(google-explicit-constructor): builder

private:
  k8s::node node_;
};

inline node_builder make_node(std::string name) {
  return node_builder(std::move(name));
}

} // namespace lattice::test
