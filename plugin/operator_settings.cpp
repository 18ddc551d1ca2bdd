#include "plugin/operator_settings.hpp"

#include "config/loader.hpp"
#include "plugin/json_path.hpp"

namespace lattice::plugin {

parsed_settings settings_from_flags(const std::vector<std::string>& args,
                                    const std::vector<std::pair<std::string, std::string>>& env) {
  auto loaded = config::load_config(args, [&](const std::string& name) -> std::optional<std::string> {
    for (const auto& [k, v] : env)
      if (k == name)
        return v;
    return std::nullopt;
  });
  parsed_settings out;
  if (loaded.action != config::load_action::run) {
    out.error = loaded.error.empty() ? "not flags the operator runs with" : loaded.error;
    return out;
  }
  // As the operator's actors::settings_from(): the policy, with the GPU
  // resource and the rescale interval flags copied over it.
  scheduling::planner_config cfg = loaded.config.autoscaler.policy;
  cfg.gpu_resource = loaded.config.autoscaler.gpu_resource;
  cfg.rescale_interval = loaded.config.autoscaler.rescale_interval;
  out.config = cfg;
  out.api_group = loaded.config.api_group;
  out.has_config_file = !loaded.config.config_file.empty();
  return out;
}

std::optional<operator_settings> settings_from_deployments(const boost::json::value& list,
                                                           const std::string& group) {
  auto* items = field(list, {"items"});
  if (!items || !items->is_array())
    return std::nullopt;
  for (const auto& d : items->as_array()) {
    auto* containers = field(d, {"spec", "template", "spec", "containers"});
    if (!containers || !containers->is_array() || containers->as_array().empty())
      continue;
    const auto& c = containers->as_array().front();
    std::vector<std::string> args;
    if (auto* a = field(c, {"args"}); a && a->is_array())
      for (const auto& arg : a->as_array())
        args.push_back(text(&arg));
    std::vector<std::pair<std::string, std::string>> env;
    if (auto* e = field(c, {"env"}); e && e->is_array())
      for (const auto& var : e->as_array())
        if (auto* value = field(var, {"value"}))
          env.emplace_back(text(field(var, {"name"})), text(value));
    auto parsed = settings_from_flags(args, env);
    if (!parsed.config || parsed.api_group != group)
      continue;
    const auto name = text(field(d, {"metadata", "namespace"})) + "/" + text(field(d, {"metadata", "name"}));
    return operator_settings{
        *parsed.config,
        "the flags of Deployment " + name
            + (parsed.has_config_file ? " (its --config file is not read: its fields at defaults)" : "")};
  }
  return std::nullopt;
}

} // namespace lattice::plugin
