#include "lifecycle/pod_json.hpp"

#include <regex>

namespace lattice::lifecycle {

namespace json = boost::json;

std::string agent_bootstrap_code(std::string_view module) {
  return "import runpy,sys; sys.path.insert(0,'" + std::string(agent_mount_path)
         + "/lattice_agent.whl'); runpy.run_module('" + std::string(module)
         + "', run_name='__main__', alter_sys=True)";
}

std::string python_for(std::string_view command0) {
  static const std::regex python_name("^python[0-9.]*$");
  const auto slash = command0.rfind('/');
  const std::string base(slash == std::string_view::npos ? command0 : command0.substr(slash + 1));
  return std::regex_match(base, python_name) ? std::string(command0) : std::string("python");
}

std::vector<std::string> agent_command(const std::vector<std::string>& command,
                                       const std::vector<std::string>& args) {
  std::vector<std::string> out{python_for(command.empty() ? std::string_view() : command.front()), "-c",
                               agent_bootstrap_code("lattice.agent"), "--"};
  out.insert(out.end(), command.begin(), command.end());
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

json::object agent_volume() {
  return json::object{{"name", agent_volume_name}, {"emptyDir", json::object{}}};
}

json::object agent_init_container(std::string_view operator_image) {
  return json::object{
      {"name", agent_init_container_name},
      {"image", operator_image},
      {"command", json::array{operator_binary_path, "install-agent", agent_mount_path}},
      {"volumeMounts",
       json::array{json::object{{"name", agent_volume_name}, {"mountPath", agent_mount_path}}}},
      {"resources", json::object{{"requests", json::object{{"cpu", "10m"}, {"memory", "16Mi"}}}}}};
}

namespace {

/// The array at spec[key], created when absent or null; nullptr when another type.
json::array* array_member(json::object& obj, std::string_view key) {
  json::value& v = obj[key];
  if (v.is_null())
    v = json::array();
  return v.if_array();
}

bool has_named(const json::array& list, std::string_view name) {
  for (const auto& item : list)
    if (const auto* o = item.if_object())
      if (const auto* n = o->if_contains("name"); n != nullptr && n->is_string() && n->as_string() == name)
        return true;
  return false;
}

} // namespace

std::optional<k8s::error> add_agent_volume_and_installer(json::object& spec, std::string_view operator_image,
                                                         const std::string& object_key) {
  json::array* volumes = array_member(spec, "volumes");
  if (volumes == nullptr)
    return k8s::decode_error(object_key, "template.spec.volumes", "expected array");
  if (has_named(*volumes, agent_volume_name))
    return k8s::decode_error(object_key, "template.spec.volumes",
                             "volume name '" + std::string(agent_volume_name)
                                 + "' is reserved for the Lattice agent");
  volumes->push_back(agent_volume());
  json::array* inits = array_member(spec, "initContainers");
  if (inits == nullptr)
    return k8s::decode_error(object_key, "template.spec.initContainers", "expected array");
  if (has_named(*inits, agent_init_container_name))
    return k8s::decode_error(object_key, "template.spec.initContainers",
                             "init container name '" + std::string(agent_init_container_name)
                                 + "' is reserved for the Lattice agent");
  // First, so the user's own init containers could already use the agent.
  inits->insert(inits->begin(), agent_init_container(operator_image));
  return std::nullopt;
}

namespace {

json::array& env_of(json::object& container) {
  json::value& v = container["env"];
  if (!v.is_array())
    v = json::array(); // callers validated the type; null/absent becomes []
  return v.as_array();
}

} // namespace

void add_env_if_absent(json::object& container, std::string_view name, std::string_view value) {
  json::array& env = env_of(container);
  if (!has_named(env, name))
    env.push_back(json::object{{"name", name}, {"value", value}});
}

void add_field_ref_env_if_absent(json::object& container, std::string_view name,
                                 std::string_view field_path) {
  json::array& env = env_of(container);
  if (!has_named(env, name))
    env.push_back(json::object{
        {"name", name}, {"valueFrom", json::object{{"fieldRef", json::object{{"fieldPath", field_path}}}}}});
}

k8s::owner_ref job_owner(std::string_view group, const k8s::object_meta& job_meta) {
  return k8s::owner_ref{std::string(group) + "/v1", "TrainingJob", job_meta.name, job_meta.uid, true};
}

std::string with_block_owner_deletion(const std::string& object_json) {
  json::error_code ec;
  json::value doc = json::parse(object_json, ec);
  json::object* root = ec ? nullptr : doc.if_object();
  json::value* meta_value = root != nullptr ? root->if_contains("metadata") : nullptr;
  json::object* meta = meta_value != nullptr ? meta_value->if_object() : nullptr;
  if (meta == nullptr)
    return object_json;
  json::value* refs = meta->if_contains("ownerReferences");
  if (refs == nullptr || !refs->is_array())
    return object_json;
  for (auto& ref : refs->as_array())
    if (auto* o = ref.if_object())
      if (const auto* c = o->if_contains("controller"); c != nullptr && c->is_bool() && c->as_bool())
        (*o)["blockOwnerDeletion"] = true;
  return json::serialize(doc);
}

} // namespace lattice::lifecycle
