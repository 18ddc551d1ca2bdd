#include "k8s/codec/pod_spec_decoder.hpp"

namespace lattice::k8s::codec {

taint_effect parse_taint_effect(std::string_view text) {
  if (text.empty())
    return taint_effect::any;
  if (text == "NoSchedule")
    return taint_effect::no_schedule;
  if (text == "PreferNoSchedule")
    return taint_effect::prefer_no_schedule;
  if (text == "NoExecute")
    return taint_effect::no_execute;
  return taint_effect::other;
}

const char* taint_effect_name(taint_effect effect) {
  switch (effect) {
  case taint_effect::any:
    return "";
  case taint_effect::no_schedule:
    return "NoSchedule";
  case taint_effect::prefer_no_schedule:
    return "PreferNoSchedule";
  case taint_effect::no_execute:
    return "NoExecute";
  case taint_effect::other:
    return "Other";
  }
  return "";
}

namespace {

/// One container's requests: explicit requests, with limits filling in any
/// resource that has no request (the API server's defaulting rule).
bool decode_container_resources(decode_context& ctx, dom::element resources, resource_list& out) {
  resource_list requests;
  resource_list limits;
  bool has_cpu_request = false;
  bool has_memory_request = false;
  bool ok = for_each_field(ctx, resources, [&](std::string_view key, dom::element v) {
    if (key == "requests") {
      if (!read_resource_list(ctx, v, requests))
        return false;
      // A null member counts as absent (for_each_field skips it).
      dom::element amount;
      has_cpu_request = v.at_key("cpu").get(amount) == simdjson::SUCCESS && !amount.is_null();
      has_memory_request = v.at_key("memory").get(amount) == simdjson::SUCCESS && !amount.is_null();
      return true;
    }
    if (key == "limits")
      return read_resource_list(ctx, v, limits);
    return true;
  });
  if (!ok)
    return false;
  if (!has_cpu_request)
    requests.cpu_millis = limits.cpu_millis;
  if (!has_memory_request)
    requests.memory_bytes = limits.memory_bytes;
  for (const auto& limit : limits.others) {
    bool requested = false;
    for (const auto& r : requests.others)
      requested = requested || r.name == limit.name;
    if (!requested)
      requests.set(limit.name, limit.value);
  }
  out = std::move(requests);
  return true;
}

/// Picks the literal value of LATTICE_AGENT_STATUS_PORT out of a container's
/// env (a valueFrom reference is not followed: the operator could not know
/// the port it resolves to). Other entries are not decoded.
bool decode_agent_status_port(decode_context& ctx, dom::element env, std::optional<std::string>& out) {
  return for_each_item(ctx, env, [&](std::size_t, dom::element item) {
    dom::object entry;
    if (!expect_object(ctx, item, entry))
      return false;
    std::string_view name;
    if (entry["name"].get(name) != simdjson::SUCCESS || name != "LATTICE_AGENT_STATUS_PORT")
      return true;
    auto value = entry["value"];
    if (value.error() != simdjson::SUCCESS || value.is_null()) {
      out.reset();
      return true;
    }
    scoped_path at(ctx, "value");
    std::string text;
    if (!read_string(ctx, value.value_unsafe(), text))
      return false;
    out = std::move(text);
    return true;
  });
}

bool decode_container(decode_context& ctx, dom::element value, const pod_spec_sink& sink) {
  container_info info;
  resource_list requests;
  bool ok = for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key == "name")
      return read_string(ctx, v, info.name);
    if (key == "command") {
      dom::array command;
      if (!expect_array(ctx, v, command))
        return false;
      info.has_command = command.size() > 0;
      return true;
    }
    if (key == "resources" && sink.requests != nullptr)
      return decode_container_resources(ctx, v, requests);
    if (key == "env")
      return decode_agent_status_port(ctx, v, info.agent_status_port);
    return true;
  });
  if (!ok)
    return false;
  if (info.name.empty())
    return ctx.fail_at("name", "required field missing");
  if (sink.requests != nullptr && !add_resources(ctx, *sink.requests, requests))
    return false;
  if (sink.info != nullptr)
    sink.info->containers.push_back(std::move(info));
  return true;
}

bool decode_toleration(decode_context& ctx, dom::element value, toleration& out) {
  std::string op;
  std::string effect;
  bool ok = for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key == "key")
      return read_string(ctx, v, out.key);
    if (key == "value")
      return read_string(ctx, v, out.value);
    if (key == "operator")
      return read_string(ctx, v, op);
    if (key == "effect")
      return read_string(ctx, v, effect);
    return true;
  });
  if (!ok)
    return false;
  if (op.empty() || op == "Equal")
    out.op = toleration_operator::equal;
  else if (op == "Exists")
    out.op = toleration_operator::exists;
  else
    return ctx.fail_at("operator", "unknown toleration operator \"" + op + "\" (expected Equal or Exists)");
  out.effect = parse_taint_effect(effect);
  return true;
}

bool decode_requirement(decode_context& ctx, dom::element value, node_selector_requirement& out) {
  std::string op;
  bool ok = for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key == "key")
      return read_string(ctx, v, out.key);
    if (key == "operator")
      return read_string(ctx, v, op);
    if (key == "values")
      return read_string_list(ctx, v, out.values);
    return true;
  });
  if (!ok)
    return false;
  if (out.key.empty())
    return ctx.fail_at("key", "required field missing");
  if (op == "In")
    out.op = selector_operator::in;
  else if (op == "NotIn")
    out.op = selector_operator::not_in;
  else if (op == "Exists")
    out.op = selector_operator::exists;
  else if (op == "DoesNotExist")
    out.op = selector_operator::does_not_exist;
  else if (op == "Gt")
    out.op = selector_operator::gt;
  else if (op == "Lt")
    out.op = selector_operator::lt;
  else
    return ctx.fail_at("operator", op.empty()
                                       ? "required field missing"
                                       : "unknown operator \"" + op
                                             + "\" (expected In, NotIn, Exists, DoesNotExist, Gt or Lt)");
  return true;
}

bool decode_requirements(decode_context& ctx, dom::element value,
                         std::vector<node_selector_requirement>& out) {
  return for_each_item(ctx, value, [&](std::size_t, dom::element item) {
    out.emplace_back();
    return decode_requirement(ctx, item, out.back());
  });
}

bool decode_required_affinity(decode_context& ctx, dom::element affinity,
                              std::vector<node_selector_term>& out) {
  return for_each_field(ctx, affinity, [&](std::string_view key, dom::element node_affinity) {
    if (key != "nodeAffinity")
      return true;
    return for_each_field(ctx, node_affinity, [&](std::string_view k, dom::element required) {
      if (k != "requiredDuringSchedulingIgnoredDuringExecution")
        return true;
      return for_each_field(ctx, required, [&](std::string_view t, dom::element terms) {
        if (t != "nodeSelectorTerms")
          return true;
        return for_each_item(ctx, terms, [&](std::size_t, dom::element term) {
          out.emplace_back();
          return for_each_field(ctx, term, [&](std::string_view m, dom::element reqs) {
            if (m == "matchExpressions")
              return decode_requirements(ctx, reqs, out.back().match_expressions);
            if (m == "matchFields")
              return decode_requirements(ctx, reqs, out.back().match_fields);
            return true;
          });
        });
      });
    });
  });
}

} // namespace

bool decode_pod_spec(decode_context& ctx, dom::element spec, const pod_spec_sink& sink) {
  return for_each_field(ctx, spec, [&](std::string_view key, dom::element v) {
    if (key == "containers")
      return for_each_item(ctx, v,
                           [&](std::size_t, dom::element c) { return decode_container(ctx, c, sink); });
    if (key == "nodeName") {
      // Type-checked even when not kept, so a template that decodes here
      // also decodes as the pod built from it.
      std::string ignored;
      return read_string(ctx, v, sink.node_name != nullptr ? *sink.node_name : ignored);
    }
    if (sink.info == nullptr)
      return true;
    if (key == "nodeSelector")
      return read_label_pairs(ctx, v, sink.info->node_selector);
    if (key == "affinity")
      return decode_required_affinity(ctx, v, sink.info->required_node_terms);
    if (key == "tolerations")
      return for_each_item(ctx, v, [&](std::size_t, dom::element t) {
        sink.info->tolerations.emplace_back();
        return decode_toleration(ctx, t, sink.info->tolerations.back());
      });
    return true;
  });
}

} // namespace lattice::k8s::codec
