#include "k8s/codec/encode_common.hpp"
#include "k8s/codec/encoders.hpp"

namespace lattice::k8s {

namespace codec {

const char* condition_status_name(condition_status status) {
  switch (status) {
  case condition_status::true_:
    return "True";
  case condition_status::false_:
    return "False";
  case condition_status::unknown:
    return "Unknown";
  }
  return "Unknown";
}

void write_owner_reference(json_writer& w, const owner_ref& ref) {
  w.begin_object();
  w.field("apiVersion", ref.api_version)
      .field("kind", ref.kind)
      .field("name", ref.name)
      .field("uid", ref.uid);
  if (ref.controller)
    w.field("controller", true);
  w.end_object();
}

namespace {

void write_string_map(json_writer& w, std::string_view name, const std::map<std::string, std::string>& map) {
  if (map.empty())
    return;
  w.key(name).begin_object();
  for (const auto& [k, v] : map)
    w.field(k, v);
  w.end_object();
}

} // namespace

void write_metadata(json_writer& w, const object_meta& meta, bool with_versions) {
  w.key("metadata").begin_object();
  w.field("name", meta.name);
  w.optional_field("namespace", meta.namespace_);
  if (with_versions) {
    w.optional_field("uid", meta.uid);
    w.optional_field("resourceVersion", meta.resource_version);
  }
  write_string_map(w, "labels", meta.labels);
  write_string_map(w, "annotations", meta.annotations);
  if (!meta.owner_references.empty()) {
    w.key("ownerReferences").begin_array();
    for (const auto& ref : meta.owner_references)
      write_owner_reference(w, ref);
    w.end_array();
  }
  w.end_object();
}

} // namespace codec

using codec::json_writer;

std::string encode_service(const service& svc) {
  json_writer w;
  w.begin_object().field("apiVersion", "v1").field("kind", "Service");
  codec::write_metadata(w, svc.meta, false);
  w.key("spec").begin_object();
  w.optional_field("clusterIP", svc.cluster_ip);
  if (!svc.selector.empty()) {
    w.key("selector").begin_object();
    for (const auto& s : svc.selector)
      w.field(s.key, s.value);
    w.end_object();
  }
  w.key("ports").begin_array();
  for (const auto& p : svc.ports) {
    w.begin_object();
    w.optional_field("name", p.name);
    w.optional_field("protocol", p.protocol);
    w.field("port", p.port);
    if (!p.target_port_name.empty())
      w.field("targetPort", p.target_port_name);
    else if (p.target_port != 0)
      w.field("targetPort", p.target_port);
    w.end_object();
  }
  w.end_array();
  w.end_object().end_object();
  return w.take();
}

std::string encode_event(const event& ev) {
  json_writer w;
  w.begin_object().field("apiVersion", "v1").field("kind", "Event");
  w.key("metadata")
      .begin_object()
      .field("name", ev.name)
      .optional_field("namespace", ev.namespace_)
      .end_object();
  const auto& o = ev.involved_object;
  w.key("involvedObject").begin_object();
  w.optional_field("apiVersion", o.api_version);
  w.optional_field("kind", o.kind);
  w.optional_field("namespace", o.namespace_);
  w.optional_field("name", o.name);
  w.optional_field("uid", o.uid);
  w.optional_field("resourceVersion", o.resource_version);
  w.end_object();
  w.field("reason", ev.reason).field("message", ev.message).field("type", ev.type);
  w.key("source").begin_object();
  w.optional_field("component", ev.source_component);
  w.optional_field("host", ev.source_host);
  w.end_object();
  w.optional_field("firstTimestamp", ev.first_timestamp);
  w.optional_field("lastTimestamp", ev.last_timestamp);
  w.field("count", ev.count);
  w.end_object();
  return w.take();
}

std::string encode_lease(const lease& l) {
  json_writer w;
  w.begin_object().field("apiVersion", "coordination.k8s.io/v1").field("kind", "Lease");
  codec::write_metadata(w, l.meta, true);
  w.key("spec").begin_object();
  w.optional_field("holderIdentity", l.holder_identity);
  if (l.lease_duration_seconds != 0)
    w.field("leaseDurationSeconds", l.lease_duration_seconds);
  w.optional_field("acquireTime", l.acquire_time);
  w.optional_field("renewTime", l.renew_time);
  w.field("leaseTransitions", l.lease_transitions);
  w.end_object().end_object();
  return w.take();
}

std::string encode_delete_options(const delete_options& options) {
  json_writer w;
  w.begin_object().field("apiVersion", "v1").field("kind", "DeleteOptions");
  if (!options.precondition_uid.empty() || !options.precondition_resource_version.empty()) {
    w.key("preconditions").begin_object();
    w.optional_field("uid", options.precondition_uid);
    w.optional_field("resourceVersion", options.precondition_resource_version);
    w.end_object();
  }
  switch (options.propagation) {
  case propagation_policy::unset:
    break;
  case propagation_policy::orphan:
    w.field("propagationPolicy", "Orphan");
    break;
  case propagation_policy::background:
    w.field("propagationPolicy", "Background");
    break;
  case propagation_policy::foreground:
    w.field("propagationPolicy", "Foreground");
    break;
  }
  if (options.grace_period_seconds)
    w.field("gracePeriodSeconds", *options.grace_period_seconds);
  w.end_object();
  return w.take();
}

} // namespace lattice::k8s
