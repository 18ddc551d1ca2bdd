#pragma once

#include "k8s/codec/json_fields.hpp"
#include "k8s/codec/meta_decoder.hpp"
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

/// What is read of an object the decoder refused, so it can be named and
/// skipped: its metadata (false when even that fails). A TrainingJob also
/// keeps its status when that decodes (the operator wrote it), so a refused
/// job is reported without losing what its status says.
template <class T>
bool decode_salvage(decode_context& ctx, dom::element root, T& out) {
  dom::object object;
  return decode_object_root(ctx, root, object, out.meta);
}
bool decode_salvage(decode_context& ctx, dom::element root, training_job& out);

/// "True" / "False" / "Unknown"; anything else is an error at the current path.
bool read_condition_status(decode_context& ctx, dom::element value, condition_status& out);

} // namespace lattice::k8s::codec
