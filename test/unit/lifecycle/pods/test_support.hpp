#pragma once

#include "k8s/codec/decoders.hpp"
#include "k8s/model/training_job.hpp"
#include "lifecycle/rendezvous.hpp"
#include "lifecycle/worker_pod.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace lattice::lifecycle::test {

namespace json = boost::json;

inline std::string read_data(const std::string& file) {
  std::ifstream in(std::string(LATTICE_PODS_TEST_DATA) + "/" + file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The TrainingJob of examples/lattice-simple1.yaml (as JSON, with a uid),
/// optionally edited, decoded by the real codec.
inline k8s::training_job example_job(const std::function<void(json::object&)>& edit = {}) {
  json::value doc = json::parse(read_data("lattice-simple1.json"));
  if (edit)
    edit(doc.as_object());
  auto job = k8s::decode_training_job(json::serialize(doc));
  if (!job)
    ADD_FAILURE() << job.err().to_string();
  return job.ok() ? job.value() : k8s::training_job{};
}

inline json::object& template_spec(json::object& job) {
  return job["spec"].as_object()["replicaSpecs"].as_object()["template"].as_object()["spec"].as_object();
}

inline json::object& first_container(json::object& job) {
  return template_spec(job)["containers"].as_array()[0].as_object();
}

inline json::object parse_object(const std::string& text) {
  return json::parse(text).as_object();
}

/// A worker pod's TrainingJob and inputs, as the tests vary them.
struct worker_pod_case : worker_pod_input {
  k8s::training_job job;
};

inline k8s::result<std::string> build_worker_pod(const worker_pod_case& c) {
  return build_worker_pod(c.job, c);
}

/// The rendezvous pod's TrainingJob and inputs.
struct rendezvous_pod_case : rendezvous_pod_input {
  k8s::training_job job;
};

inline k8s::result<std::string> build_rendezvous_pod(const rendezvous_pod_case& c) {
  return build_rendezvous_pod(c.job, c);
}

/// Input for worker `index` of a `world_size`-worker job pinned to `node`.
inline worker_pod_case worker_input(k8s::training_job job, std::int32_t index, std::int32_t world_size,
                                    std::string node) {
  worker_pod_case in;
  in.job = std::move(job);
  in.api_group = "breezeml.ai";
  in.index = index;
  in.world_size = world_size;
  in.node_name = std::move(node);
  in.operator_image = "breezeml/lattice-operator:0.3.0";
  return in;
}

/// The worker pod body as a JSON object; a build error fails the test.
inline json::object build(const worker_pod_case& in) {
  auto body = build_worker_pod(in);
  if (!body) {
    ADD_FAILURE() << body.err().to_string();
    return {};
  }
  return parse_object(body.value());
}

inline const json::object& spec_of(const json::object& pod) {
  return pod.at("spec").as_object();
}

inline const json::object& container_of(const json::object& pod, std::size_t i = 0) {
  return spec_of(pod).at("containers").as_array().at(i).as_object();
}

/// name -> value (or "fieldRef:<path>") of a container's env.
inline std::map<std::string, std::string> env_of(const json::object& container) {
  std::map<std::string, std::string> out;
  if (!container.contains("env"))
    return out;
  for (const auto& e : container.at("env").as_array()) {
    const auto& o = e.as_object();
    std::string name(o.at("name").as_string());
    if (o.contains("value"))
      out[name] = std::string(o.at("value").as_string());
    else
      out[name] = "fieldRef:" + std::string(o.at("valueFrom").at("fieldRef").at("fieldPath").as_string());
  }
  return out;
}

inline std::vector<std::string> strings_of(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array())
    out.emplace_back(s.as_string());
  return out;
}

} // namespace lattice::lifecycle::test
