#pragma once

#include "k8s/auth/cluster_config.hpp"
#include "k8s/client/rest_client.hpp"
#include "k8s/codec/encoders.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace lattice::k8s::it {

/// Runs a shell command; returns its exit status and puts stdout in `out`.
int run(const std::string& command, std::string* out = nullptr);
/// Runs a command that must succeed; throws std::runtime_error with its output otherwise.
std::string run_ok(const std::string& command);
/// `kubectl <args>` against $KUBECONFIG.
std::string kubectl(const std::string& args);
/// `scripts/cluster <args>` from $LATTICE_SOURCE_DIR.
std::string cluster_script(const std::string& args);

/// The admin kubeconfig's cluster ($KUBECONFIG, current context).
auth::cluster_config admin_cluster();
/// A rest client (QPS limit off) to `cluster`.
std::shared_ptr<client::rest_client> make_client(auth::cluster_config cluster);
std::shared_ptr<client::rest_client> admin_client();

/// Polls `done` every 50ms until it holds or `limit` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit);

/// A namespace for one test, deleted (without waiting) at scope end.
class test_namespace {
public:
  explicit test_namespace(const std::string& prefix);
  ~test_namespace();
  const std::string& name() const { return name_; }

private:
  std::string name_;
};

/// The TrainingJob group used by the tests: a group of its own (the API
/// group is configurable), so the CRD installed here never collides with
/// the one the chart tests install with Helm for breezeml.ai.
inline constexpr const char* test_group = "k8s-it.breezeml.ai";
/// "trainingjobs.<test_group>", for kubectl.
inline std::string training_jobs_kubectl() {
  return std::string("trainingjobs.") + test_group;
}

/// Installs the TrainingJob CRD (rendered from helm/lattice-operator if the
/// chart renders, else a minimal CRD) and waits until it is served. Returns
/// which one was used, for the log.
std::string ensure_training_job_crd();

/// A pod create body: one container, held out of scheduling by a
/// schedulingGate so it stays Pending and quiet.
std::string gated_pod_body(const std::string& ns, const std::string& name, const std::string& label_value);

/// Pods written straight to the API server: the fixtures of the watch and
/// memory tests (the operator's own writes are k8s::writes, crud_test.cpp).
class pod_writer {
public:
  explicit pod_writer(std::shared_ptr<client::rest_client> rest) : rest_(std::move(rest)) {}
  result<std::string> create(const std::string& ns, std::string body);
  result<std::string> remove(const std::string& ns, const std::string& name,
                             const delete_options& options = {});
  result<std::string> merge_patch(const std::string& ns, const std::string& name, std::string patch);

private:
  std::shared_ptr<client::rest_client> rest_;
};

/// A TrainingJob create body.
std::string training_job_body(const std::string& ns, const std::string& name);

} // namespace lattice::k8s::it
