#pragma once

#include "k8s/codec/json_fields.hpp"
#include "k8s/model/condition.hpp"
#include "k8s/model/lease.hpp"
#include "k8s/model/node.hpp"
#include "k8s/model/pod.hpp"
#include "k8s/model/service.hpp"
#include "k8s/model/training_job.hpp"

namespace lattice::k8s::codec {

/// Per-kind decoders of one object already parsed into a DOM element. They
/// record the first failure in `ctx` and return false.
bool decode_object(decode_context& ctx, dom::element root, training_job& out);
bool decode_object(decode_context& ctx, dom::element root, pod& out);
bool decode_object(decode_context& ctx, dom::element root, node& out);
bool decode_object(decode_context& ctx, dom::element root, service& out);
bool decode_object(decode_context& ctx, dom::element root, lease& out);

/// "True" / "False" / "Unknown"; anything else is an error at the current path.
bool read_condition_status(decode_context& ctx, dom::element value, condition_status& out);

} // namespace lattice::k8s::codec
