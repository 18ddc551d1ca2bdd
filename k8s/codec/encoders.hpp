#pragma once

#include "k8s/model/event.hpp"
#include "k8s/model/lease.hpp"
#include "k8s/model/service.hpp"
#include "k8s/model/training_job.hpp"
#include "k8s/object_meta.hpp"
#include "k8s/result.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lattice::k8s {

/// Encoders for the bodies the operator sends. Output is compact JSON with
/// members in a fixed order (golden-testable); strings are escaped and
/// invalid UTF-8 replaced, so any input gives a valid body.

/// The TrainingJob status object alone. With `nulls_for_empty`, empty times
/// and stage are written as null, which a JSON merge patch needs to clear
/// them (requeueTime is reset that way); without, they are omitted, which is
/// what a PUT to /status needs.
std::string encode_training_job_status(const training_job_status& status, bool nulls_for_empty = false);

/// Body for PUT .../trainingjobs/<name>/status: apiVersion, kind, metadata
/// (name, namespace, uid, resourceVersion: the API server answers 409 if the
/// object changed since `job.meta.resource_version`), and the full status.
/// `api_version` is "<group>/v1".
std::string encode_training_job_status_update(const training_job& job, std::string_view api_version);

/// Body for PATCH .../status with application/merge-patch+json: the status
/// (empty fields as null) plus metadata.resourceVersion for optimistic
/// concurrency when `resource_version` is non-empty.
std::string encode_training_job_status_patch(const training_job_status& status,
                                             std::string_view resource_version);

/// A JSON merge patch (RFC 7386) built from dotted paths:
///   merge_patch p; p.set("spec.suspend", true); p.remove("metadata.labels.x");
/// Path segments are split on '.'; use set_at() when a key contains dots
/// (label keys like "breezeml.ai/job-name").
class merge_patch {
public:
  merge_patch& set(std::string_view dotted_path, std::string_view value);
  merge_patch& set(std::string_view dotted_path, const char* value) {
    return set(dotted_path, std::string_view(value));
  }
  merge_patch& set(std::string_view dotted_path, std::int64_t value);
  merge_patch& set(std::string_view dotted_path, bool value);
  merge_patch& remove(std::string_view dotted_path);
  /// Same with explicit segments; `json` is an encoded value, "null" removes.
  merge_patch& set_at(const std::vector<std::string>& path, std::string json);
  std::string encode() const;

private:
  struct node {
    std::string key;
    std::string json; ///< leaf value, or empty for an object node
    std::vector<node> children;
  };
  node root_;
};

/// An environment variable to add to every container of a pod.
struct env_var {
  std::string name;
  std::string value;
};

/// Inputs of the generic "pod from template" builder. The template is
/// replicaSpecs.template as kept in training_job_spec::template_json.
struct pod_from_template_input {
  std::string template_json;
  std::string name;
  std::string namespace_;
  /// Merged over the template's labels / annotations (these win).
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  /// Set as the only controller ownerReference.
  std::optional<owner_ref> owner;
  /// Added to every container (and init container), replacing variables of
  /// the same name the template already has.
  std::vector<env_var> env;
  /// Non-empty: pin to the node of this name with a required node affinity
  /// (matchFields metadata.name, ANDed into every existing nodeSelectorTerm)
  /// so kube-scheduler still checks everything else.
  std::string pin_node;
  /// Also set spec.nodeName = pin_node: the pod is created bound to the
  /// node, kube-scheduler never sees it, and the kubelet admits it against
  /// the node's resources and the affinity above.
  bool bind_to_pin_node = false;
  /// spec.hostname / spec.subdomain (stable DNS through a headless Service).
  std::string hostname;
  std::string subdomain;
  /// Non-empty: overrides spec.restartPolicy.
  std::string restart_policy;
};

/// Builds a core/v1 Pod create body. Fails (kind::decode, naming the pod
/// "ns/name" and the template field) when the template is not a JSON object
/// with spec.containers.
result<std::string> encode_pod_from_template(const pod_from_template_input& input);

/// core/v1 Service create body (metadata: name, namespace, labels,
/// annotations, ownerReferences; spec: clusterIP when set, selector, ports).
std::string encode_service(const service& svc);

/// core/v1 Event create body.
std::string encode_event(const event& ev);

/// coordination.k8s.io/v1 Lease create/update body; metadata.uid and
/// resourceVersion are included when set so an update (PUT) is a
/// compare-and-swap. Clear meta.resource_version for a create: the API
/// server rejects a create that carries one.
std::string encode_lease(const lease& l);

enum class propagation_policy { unset, orphan, background, foreground };

/// DeleteOptions: preconditions make the delete fail with 409 if the object
/// was replaced (uid) or changed (resourceVersion) meanwhile.
struct delete_options {
  std::string precondition_uid;
  std::string precondition_resource_version;
  propagation_policy propagation = propagation_policy::unset;
  std::optional<std::int64_t> grace_period_seconds;
};

std::string encode_delete_options(const delete_options& options);

} // namespace lattice::k8s
