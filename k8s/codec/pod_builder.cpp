#include "k8s/codec/encoders.hpp"

#include <boost/json.hpp>

#include <exception>

namespace lattice::k8s {

namespace {

namespace json = boost::json;

/// Returns the object member `key` of `parent`, creating it when absent;
/// nullptr when it exists but is not an object (or null, which becomes {}).
json::object* child_object(json::object& parent, std::string_view key) {
  json::value& v = parent[key];
  if (v.is_null())
    v = json::object();
  return v.if_object();
}

json::array* child_array(json::object& parent, std::string_view key) {
  json::value& v = parent[key];
  if (v.is_null())
    v = json::array();
  return v.if_array();
}

class pod_builder {
public:
  explicit pod_builder(const pod_from_template_input& in) : in_(in) {
    key_ = in.namespace_.empty() ? in.name : in.namespace_ + "/" + in.name;
  }

  result<std::string> build() {
    json::error_code ec;
    json::value parsed = json::parse(in_.template_json, ec);
    if (ec)
      return fail("template", "malformed pod template JSON: " + ec.message());
    json::object* tmpl = parsed.if_object();
    if (tmpl == nullptr)
      return fail("template", "expected object");
    json::value* spec_value = tmpl->if_contains("spec");
    if (spec_value == nullptr || !spec_value->is_object())
      return fail("template.spec", spec_value == nullptr ? "required field missing" : "expected object");

    json::object pod;
    pod["apiVersion"] = "v1";
    pod["kind"] = "Pod";
    if (auto err = build_metadata(*tmpl, pod["metadata"].emplace_object()))
      return *err;
    json::object& spec = (pod["spec"] = std::move(*spec_value)).as_object();
    if (auto err = build_spec(spec))
      return *err;
    return json::serialize(pod);
  }

private:
  error fail(std::string field, std::string message) const {
    return decode_error(key_, std::move(field), std::move(message));
  }

  std::optional<error> build_metadata(json::object& tmpl, json::object& meta) {
    meta["name"] = in_.name;
    if (!in_.namespace_.empty())
      meta["namespace"] = in_.namespace_;
    json::object* tmeta = nullptr;
    if (json::value* v = tmpl.if_contains("metadata"); v != nullptr && !v->is_null()) {
      tmeta = v->if_object();
      if (tmeta == nullptr)
        return fail("template.metadata", "expected object");
    }
    for (const char* which : {"labels", "annotations"}) {
      const auto& extra = std::string_view(which) == "labels" ? in_.labels : in_.annotations;
      json::object merged;
      if (tmeta != nullptr) {
        if (json::value* v = tmeta->if_contains(which); v != nullptr && !v->is_null()) {
          if (!v->is_object())
            return fail(std::string("template.metadata.") + which, "expected object");
          merged = v->as_object();
          for (const auto& member : merged)
            if (!member.value().is_string())
              return fail(std::string("template.metadata.") + which + "[" + std::string(member.key()) + "]",
                          "expected string");
        }
      }
      for (const auto& [k, val] : extra)
        merged[k] = val;
      if (!merged.empty())
        meta[which] = std::move(merged);
    }
    if (in_.owner) {
      json::object ref;
      ref["apiVersion"] = in_.owner->api_version;
      ref["kind"] = in_.owner->kind;
      ref["name"] = in_.owner->name;
      ref["uid"] = in_.owner->uid;
      ref["controller"] = true;
      meta["ownerReferences"] = json::array{std::move(ref)};
    }
    return std::nullopt;
  }

  std::optional<error> add_env(json::object& spec, std::string_view list_key, bool required) {
    json::value* list = spec.if_contains(list_key);
    std::string path = "template.spec." + std::string(list_key);
    if (list == nullptr || list->is_null()) {
      if (required)
        return fail(path, "required field missing");
      return std::nullopt;
    }
    json::array* containers = list->if_array();
    if (containers == nullptr)
      return fail(path, "expected array");
    if (required && containers->empty())
      return fail(path, "at least one container is required");
    for (std::size_t i = 0; i < containers->size(); ++i) {
      json::object* c = (*containers)[i].if_object();
      std::string at = path + "[" + std::to_string(i) + "]";
      if (c == nullptr)
        return fail(at, "expected object");
      if (in_.env.empty())
        continue;
      json::array* env = child_array(*c, "env");
      if (env == nullptr)
        return fail(at + ".env", "expected array");
      json::array kept;
      for (auto& e : *env) {
        const json::object* o = e.if_object();
        const json::value* name = o != nullptr ? o->if_contains("name") : nullptr;
        bool replaced = false;
        if (name != nullptr && name->is_string())
          for (const auto& add : in_.env)
            replaced = replaced || name->as_string() == add.name;
        if (!replaced)
          kept.push_back(std::move(e));
      }
      for (const auto& add : in_.env)
        kept.push_back(json::object{{"name", add.name}, {"value", add.value}});
      *env = std::move(kept);
    }
    return std::nullopt;
  }

  std::optional<error> pin(json::object& spec) {
    const std::string base = "template.spec.affinity";
    json::object* affinity = child_object(spec, "affinity");
    if (affinity == nullptr)
      return fail(base, "expected object");
    json::object* node_affinity = child_object(*affinity, "nodeAffinity");
    if (node_affinity == nullptr)
      return fail(base + ".nodeAffinity", "expected object");
    json::object* required = child_object(*node_affinity, "requiredDuringSchedulingIgnoredDuringExecution");
    if (required == nullptr)
      return fail(base + ".nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution", "expected object");
    json::array* terms = child_array(*required, "nodeSelectorTerms");
    const std::string terms_path =
        base + ".nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms";
    if (terms == nullptr)
      return fail(terms_path, "expected array");
    // A node-name field requirement, not the hostname label: the label may
    // differ from the name (EKS), and kube-scheduler's NodeAffinity
    // PreFilter narrows the cycle to the named node instead of filtering
    // every node of the cluster (the DaemonSet controller pins the same way).
    json::object requirement{
        {"key", "metadata.name"}, {"operator", "In"}, {"values", json::array{in_.pin_node}}};
    if (terms->empty())
      terms->push_back(json::object{});
    // Terms are ORed: the pin must be ANDed into each of them.
    for (std::size_t i = 0; i < terms->size(); ++i) {
      json::object* term = (*terms)[i].if_object();
      std::string at = terms_path + "[" + std::to_string(i) + "]";
      if (term == nullptr)
        return fail(at, "expected object");
      json::array* fields = child_array(*term, "matchFields");
      if (fields == nullptr)
        return fail(at + ".matchFields", "expected array");
      fields->push_back(requirement);
    }
    return std::nullopt;
  }

  std::optional<error> build_spec(json::object& spec) {
    if (auto err = add_env(spec, "containers", true))
      return err;
    if (auto err = add_env(spec, "initContainers", false))
      return err;
    if (!in_.pin_node.empty())
      if (auto err = pin(spec))
        return err;
    if (!in_.pin_node.empty() && in_.bind_to_pin_node)
      spec["nodeName"] = in_.pin_node;
    if (!in_.hostname.empty())
      spec["hostname"] = in_.hostname;
    if (!in_.subdomain.empty())
      spec["subdomain"] = in_.subdomain;
    if (!in_.restart_policy.empty())
      spec["restartPolicy"] = in_.restart_policy;
    return std::nullopt;
  }

  const pod_from_template_input& in_;
  std::string key_;
};

} // namespace

result<std::string> encode_pod_from_template(const pod_from_template_input& input) {
  try {
    return pod_builder(input).build();
  } catch (const std::exception& e) {
    return decode_error(input.namespace_.empty() ? input.name : input.namespace_ + "/" + input.name,
                        "template", std::string("cannot build pod: ") + e.what());
  }
}

} // namespace lattice::k8s
