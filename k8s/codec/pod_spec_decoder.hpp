#pragma once

#include "k8s/codec/json_fields.hpp"
#include "k8s/model/training_job.hpp"

#include <string>

namespace lattice::k8s::codec {

/// Where decode_pod_spec puts what it finds; null members are skipped, so a
/// Pod keeps only its requests and node name while a TrainingJob template
/// keeps everything the planner needs.
struct pod_spec_sink {
  /// Sum over spec.containers of requests, each defaulting to the limit.
  resource_list* requests = nullptr;
  std::string* node_name = nullptr;
  /// nodeSelector, required node affinity, tolerations, container names.
  pod_template_info* info = nullptr;
};

/// Decodes a PodSpec at the context's current path.
bool decode_pod_spec(decode_context& ctx, dom::element spec, const pod_spec_sink& sink);

/// Parses a taint/toleration effect ("" -> any; unknown -> other).
taint_effect parse_taint_effect(std::string_view text);
const char* taint_effect_name(taint_effect effect);

} // namespace lattice::k8s::codec
