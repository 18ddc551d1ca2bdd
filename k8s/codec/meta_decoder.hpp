#pragma once

#include "k8s/codec/json_fields.hpp"
#include "k8s/object_meta.hpp"

namespace lattice::k8s::codec {

/// Reads `metadata` of the object `root` into `meta` and names the object in
/// `ctx` ("ns/name") as soon as name and namespace are known, so every later
/// error carries it. A missing metadata.name is an error unless
/// `name_required` is false (bookmarks carry only a resourceVersion).
/// The kubectl last-applied-configuration annotation is dropped: it repeats
/// the whole object and the operator never reads it.
bool decode_meta(decode_context& ctx, dom::object root, object_meta& meta, bool name_required = true);

/// Checks that `root` is an object, then decode_meta.
bool decode_object_root(decode_context& ctx, dom::element root, dom::object& object, object_meta& meta,
                        bool name_required = true);

} // namespace lattice::k8s::codec
