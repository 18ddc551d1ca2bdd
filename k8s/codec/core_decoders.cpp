#include "k8s/codec/meta_decoder.hpp"
#include "k8s/codec/object_decoders.hpp"
#include "k8s/codec/pod_spec_decoder.hpp"

namespace lattice::k8s::codec {

namespace {

bool parse_phase(decode_context& ctx, dom::element value, pod_phase& out) {
  std::string phase;
  if (!read_string(ctx, value, phase))
    return false;
  if (phase == "Pending")
    out = pod_phase::pending;
  else if (phase == "Running")
    out = pod_phase::running;
  else if (phase == "Succeeded")
    out = pod_phase::succeeded;
  else if (phase == "Failed")
    out = pod_phase::failed;
  else
    out = pod_phase::unknown; // "Unknown" and anything newer
  return true;
}

bool decode_container_status(decode_context& ctx, dom::element value, container_status& out) {
  bool ok = for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key == "name")
      return read_string(ctx, v, out.name);
    if (key == "ready")
      return read_bool(ctx, v, out.ready);
    if (key == "restartCount")
      return read_int32(ctx, v, out.restart_count);
    if (key != "state")
      return true;
    return for_each_field(ctx, v, [&](std::string_view state, dom::element s) {
      if (state != "terminated")
        return true;
      out.terminated = true;
      return for_each_field(ctx, s, [&](std::string_view k, dom::element t) {
        if (k == "exitCode")
          return read_int32(ctx, t, out.exit_code);
        if (k == "reason")
          return read_string(ctx, t, out.terminated_reason);
        return true;
      });
    });
  });
  if (ok && out.name.empty())
    return ctx.fail_at("name", "required field missing");
  return ok;
}

/// Finds the condition of `wanted` type in a conditions array and reads its
/// status (and reason when asked).
bool decode_condition_of_type(decode_context& ctx, dom::element conditions, std::string_view wanted,
                              condition_status& status, std::string* reason) {
  return for_each_item(ctx, conditions, [&](std::size_t, dom::element c) {
    // Views into the document: only the wanted condition's strings are copied.
    std::string_view type;
    std::string_view r;
    condition_status s = condition_status::unknown;
    bool ok = for_each_field(ctx, c, [&](std::string_view key, dom::element v) {
      if (key == "type" || key == "reason") {
        std::string_view& target = key == "type" ? type : r;
        if (v.get(target) != simdjson::SUCCESS)
          return ctx.fail(std::string("expected string, got ") + type_name(v.type()));
        return true;
      }
      if (key == "status")
        return read_condition_status(ctx, v, s);
      return true;
    });
    if (ok && type == wanted) {
      status = s;
      if (reason != nullptr)
        reason->assign(r.data(), r.size());
    }
    return ok;
  });
}

bool decode_taint(decode_context& ctx, dom::element value, taint& out) {
  std::string effect;
  bool ok = for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key == "key")
      return read_string(ctx, v, out.key);
    if (key == "value")
      return read_string(ctx, v, out.value);
    if (key == "effect")
      return read_string(ctx, v, effect);
    return true;
  });
  if (!ok)
    return false;
  if (out.key.empty())
    return ctx.fail_at("key", "required field missing");
  if (effect.empty())
    return ctx.fail_at("effect", "required field missing");
  out.effect = parse_taint_effect(effect);
  return true;
}

bool decode_service_port(decode_context& ctx, dom::element value, service_port& out) {
  bool has_port = false;
  bool ok = for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key == "name")
      return read_string(ctx, v, out.name);
    if (key == "protocol")
      return read_string(ctx, v, out.protocol);
    if (key == "port") {
      has_port = true;
      return read_int32(ctx, v, out.port);
    }
    if (key == "targetPort") // IntOrString
      return v.type() == dom::element_type::STRING ? read_string(ctx, v, out.target_port_name)
                                                   : read_int32(ctx, v, out.target_port);
    return true;
  });
  if (ok && !has_port)
    return ctx.fail_at("port", "required field missing");
  return ok;
}

/// An object of which only the metadata and the spec are read (its status
/// is the cluster's business): `spec_field(key, value)` for each spec field.
template <class F>
bool decode_spec_only(decode_context& ctx, dom::element root, object_meta& meta, F&& spec_field) {
  dom::object object;
  if (!decode_object_root(ctx, root, object, meta))
    return false;
  return for_each_field(ctx, root, [&](std::string_view key, dom::element v) {
    return key != "spec" || for_each_field(ctx, v, spec_field);
  });
}

} // namespace

bool decode_object(decode_context& ctx, dom::element root, pod& out) {
  dom::object object;
  if (!decode_object_root(ctx, root, object, out.meta))
    return false;
  pod_spec_sink sink;
  sink.requests = &out.requests;
  sink.node_name = &out.node_name;
  return for_each_field(ctx, root, [&](std::string_view key, dom::element v) {
    if (key == "spec")
      return decode_pod_spec(ctx, v, sink);
    if (key != "status")
      return true;
    return for_each_field(ctx, v, [&](std::string_view k, dom::element s) {
      if (k == "phase")
        return parse_phase(ctx, s, out.phase);
      if (k == "reason")
        return read_string(ctx, s, out.reason);
      if (k == "podIP")
        return read_string(ctx, s, out.pod_ip);
      if (k == "conditions")
        return decode_condition_of_type(ctx, s, "PodScheduled", out.scheduled, &out.scheduled_reason)
               && decode_condition_of_type(ctx, s, "Ready", out.ready, nullptr)
               && decode_condition_of_type(ctx, s, "DisruptionTarget", out.disruption_target,
                                           &out.disruption_reason);
      if (k == "containerStatuses")
        return for_each_item(ctx, s, [&](std::size_t, dom::element c) {
          out.container_statuses.emplace_back();
          return decode_container_status(ctx, c, out.container_statuses.back());
        });
      return true;
    });
  });
}

bool decode_object(decode_context& ctx, dom::element root, node& out) {
  dom::object object;
  if (!decode_object_root(ctx, root, object, out.meta))
    return false;
  return for_each_field(ctx, root, [&](std::string_view key, dom::element v) {
    if (key == "spec")
      return for_each_field(ctx, v, [&](std::string_view k, dom::element s) {
        if (k == "unschedulable")
          return read_bool(ctx, s, out.unschedulable);
        if (k == "taints")
          return for_each_item(ctx, s, [&](std::size_t, dom::element t) {
            out.taints.emplace_back();
            return decode_taint(ctx, t, out.taints.back());
          });
        return true;
      });
    if (key == "status")
      return for_each_field(ctx, v, [&](std::string_view k, dom::element s) {
        if (k == "allocatable")
          return read_resource_list(ctx, s, out.allocatable);
        if (k == "conditions")
          return decode_condition_of_type(ctx, s, "Ready", out.ready, nullptr);
        return true;
      });
    return true;
  });
}

bool decode_object(decode_context& ctx, dom::element root, service& out) {
  return decode_spec_only(ctx, root, out.meta, [&](std::string_view k, dom::element s) {
    if (k == "clusterIP")
      return read_string(ctx, s, out.cluster_ip);
    if (k == "selector")
      return read_label_pairs(ctx, s, out.selector);
    if (k == "ports")
      return for_each_item(ctx, s, [&](std::size_t, dom::element p) {
        out.ports.emplace_back();
        return decode_service_port(ctx, p, out.ports.back());
      });
    return true;
  });
}

bool decode_object(decode_context& ctx, dom::element root, lease& out) {
  return decode_spec_only(ctx, root, out.meta, [&](std::string_view k, dom::element s) {
    if (k == "holderIdentity")
      return read_string(ctx, s, out.holder_identity);
    if (k == "leaseDurationSeconds")
      return read_int32(ctx, s, out.lease_duration_seconds);
    if (k == "acquireTime")
      return read_string(ctx, s, out.acquire_time);
    if (k == "renewTime")
      return read_string(ctx, s, out.renew_time);
    if (k == "leaseTransitions")
      return read_int32(ctx, s, out.lease_transitions);
    return true;
  });
}

} // namespace lattice::k8s::codec
