#pragma once

#include "k8s/codec/json_writer.hpp"
#include "k8s/model/condition.hpp"
#include "k8s/object_meta.hpp"

namespace lattice::k8s::codec {

/// Writes `"metadata":{...}` with name, namespace, labels, annotations and
/// ownerReferences (and uid/resourceVersion when `with_versions`).
void write_metadata(json_writer& w, const object_meta& meta, bool with_versions);

/// Writes one ownerReference object.
void write_owner_reference(json_writer& w, const owner_ref& ref);

const char* condition_status_name(condition_status status);

} // namespace lattice::k8s::codec
