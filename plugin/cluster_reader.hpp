#pragma once

#include "k8s/client/rest_client.hpp"
#include "k8s/model/training_job.hpp"
#include "plugin/history.hpp"
#include "plugin/live_snapshot.hpp"
#include "plugin/operator_settings.hpp"

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace lattice::plugin {

/// Exit codes every verb uses (docs/reference/kubectl-lattice.md).
enum exit_code : int {
  exit_ok = 0,
  /// The cluster could not be reached or read (kubeconfig, network, TLS).
  exit_failure = 1,
  /// Bad flags or a bad -f file.
  exit_usage = 2,
  /// The job, or the TrainingJob CRD in the group, does not exist.
  exit_not_found = 3,
  /// The user lacks a read right the verb needs.
  exit_forbidden = 4,
  /// simulate --exit-code: the job would wait.
  exit_would_wait = 5,
};

/// A failure to show the user: one line, and the exit code.
struct plugin_error {
  int code = exit_failure;
  std::string message;
};

/// Where the plugin connects and what it reads.
struct connection_options {
  /// Empty: $KUBECONFIG (its first file), else ~/.kube/config.
  std::string kubeconfig;
  std::string context;
  /// The TrainingJob API group; empty: the default, or the one group the
  /// API server serves TrainingJobs in when the default is not installed.
  std::string group;
};

/// Reads what the verbs need with the user's kubeconfig: lists and gets
/// only (TrainingJobs, Pods, Nodes, Events; the operator's Deployment when
/// readable). Nothing is ever written.
class cluster_reader {
public:
  /// Loads the kubeconfig, connects lazily, resolves the group.
  static std::variant<std::unique_ptr<cluster_reader>, plugin_error> open(const connection_options& options);

  const std::string& group() const { return group_; }
  /// The kubeconfig context's namespace ("default" when unset).
  const std::string& default_namespace() const { return namespace_; }

  /// Every TrainingJob (all namespaces), every Pod, every Node.
  std::variant<cluster_objects, plugin_error> read_all();
  /// One TrainingJob; exit_not_found when it does not exist.
  std::variant<k8s::training_job, plugin_error> get_job(const std::string& ns, const std::string& name);
  /// The Events whose involvedObject is this job (this uid when known).
  std::variant<std::vector<history_input>, plugin_error> job_events(const k8s::training_job& job);
  /// The planner settings of the operator's Deployment (label
  /// app.kubernetes.io/part-of=lattice) when the user may read it; defaults otherwise.
  operator_settings operator_planner_settings();

private:
  cluster_reader() = default;
  std::optional<plugin_error> resolve_group(const std::string& wanted);
  plugin_error failure(const k8s::error& err, const std::string& what) const;

  std::shared_ptr<k8s::client::rest_client> rest_;
  std::string group_;
  std::string namespace_ = "default";
  std::string origin_;
};

} // namespace lattice::plugin
