#pragma once

#include "k8s/list_watch_types.hpp"
#include "k8s/model/lease.hpp"
#include "k8s/model/node.hpp"
#include "k8s/model/pod.hpp"
#include "k8s/model/service.hpp"
#include "k8s/model/training_job.hpp"
#include "k8s/result.hpp"

#include <string_view>

namespace lattice::k8s {

/// Decoders from API server JSON into the compact structs. They never throw
/// and never crash on bad input: a failure is a kind::decode error whose
/// `object` is "ns/name" (or "<unknown>" before metadata is read) and whose
/// `field` is the JSON path ("spec.replicaSpecs.template.spec.containers[0]
/// .resources.requests[cpu]"). Unknown fields are ignored; null counts as
/// absent. Not reentrant per thread (each thread reuses one parser).

result<training_job> decode_training_job(std::string_view json);
result<pod> decode_pod(std::string_view json);
result<node> decode_node(std::string_view json);
result<service> decode_service(std::string_view json);
result<lease> decode_lease(std::string_view json);

/// A LIST response ({"metadata":{"resourceVersion","continue"},"items":[...]}).
/// An item that fails to decode is left out of `items` and reported with
/// its metadata in list_page::undecodable, so one bad object cannot stall a
/// reflector; a malformed envelope fails the whole call.
result<list_page<training_job>> decode_list(std::string_view body, training_job*);
result<list_page<pod>> decode_list(std::string_view body, pod*);
result<list_page<node>> decode_list(std::string_view body, node*);
result<list_page<service>> decode_list(std::string_view body, service*);
result<list_page<lease>> decode_list(std::string_view body, lease*);

/// One watch line ({"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":...}).
/// BOOKMARK decodes only object.metadata (resourceVersion); ERROR puts the
/// Status into watch_event::status (kind::http, status = code, reason, message).
/// An object that fails to decode but whose metadata reads is not a failure:
/// the event comes back with `undecodable` set, the metadata and the error.
result<watch_event<training_job>> decode_watch_event(std::string_view line, training_job*);
result<watch_event<pod>> decode_watch_event(std::string_view line, pod*);
result<watch_event<node>> decode_watch_event(std::string_view line, node*);
result<watch_event<service>> decode_watch_event(std::string_view line, service*);
result<watch_event<lease>> decode_watch_event(std::string_view line, lease*);

/// Turns a metav1.Status body (what the API server sends with a non-2xx
/// answer) into a kind::http error. `http_status` is used when the body has
/// no code; a body that is not a Status keeps its first 200 bytes as message.
error decode_status(std::string_view body, int http_status);

} // namespace lattice::k8s
