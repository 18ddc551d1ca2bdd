#include "scheduling/constraints.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

namespace lattice::scheduling {

namespace {

bool tolerates(const toleration& t, const taint& tn) {
  if (t.effect && *t.effect != tn.effect)
    return false;
  if (t.op == toleration_operator::exists)
    return t.key.empty() || t.key == tn.key;
  return t.key == tn.key && t.value == tn.value;
}

std::optional<int64_t> parse_int(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    return std::nullopt;
  return v;
}

/// The node's value for a requirement's key: its name for node_name_field,
/// else the label; nullopt when it has none.
std::optional<std::string_view> value_for(const std::string& key,
                                          const std::map<std::string, std::string>& labels,
                                          std::string_view node_name) {
  if (key == node_name_field)
    return node_name.empty() ? std::nullopt : std::optional<std::string_view>(node_name);
  auto it = labels.find(key);
  return it == labels.end() ? std::nullopt : std::optional<std::string_view>(it->second);
}

bool matches(const node_selector_requirement& r, const std::map<std::string, std::string>& labels,
             std::string_view node_name) {
  const auto value = value_for(r.key, labels, node_name);
  bool has = value.has_value();
  auto in_values = [&] {
    return has && std::find(r.values.begin(), r.values.end(), *value) != r.values.end();
  };
  switch (r.op) {
  case selector_operator::in:
    return in_values();
  case selector_operator::not_in:
    return !in_values();
  case selector_operator::exists:
    return has;
  case selector_operator::does_not_exist:
    return !has;
  case selector_operator::gt:
  case selector_operator::lt: {
    if (!has || r.values.size() != 1)
      return false;
    auto label = parse_int(*value);
    auto bound = parse_int(r.values[0]);
    if (!label || !bound)
      return false;
    return r.op == selector_operator::gt ? *label > *bound : *label < *bound;
  }
  }
  return false;
}

bool matches(const node_selector_term& term, const std::map<std::string, std::string>& labels,
             std::string_view node_name) {
  if (term.match_expressions.empty())
    return false;
  for (const auto& r : term.match_expressions)
    if (!matches(r, labels, node_name))
      return false;
  return true;
}

const char* op_name(selector_operator op) {
  switch (op) {
  case selector_operator::in:
    return "in";
  case selector_operator::not_in:
    return "notin";
  case selector_operator::exists:
    return "exists";
  case selector_operator::does_not_exist:
    return "doesnotexist";
  case selector_operator::gt:
    return ">";
  case selector_operator::lt:
    return "<";
  }
  return "?";
}

std::string join(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values)
    out += (out.empty() ? "" : ", ") + v;
  return out;
}

} // namespace

bool tolerates_taints(const std::vector<toleration>& tolerations, const std::vector<taint>& taints) {
  for (const auto& tn : taints) {
    if (tn.effect == taint_effect::prefer_no_schedule)
      continue;
    bool ok = std::any_of(tolerations.begin(), tolerations.end(),
                          [&](const toleration& t) { return tolerates(t, tn); });
    if (!ok)
      return false;
  }
  return true;
}

bool matches_labels(const placement_constraints& c, const std::map<std::string, std::string>& labels,
                    std::string_view node_name) {
  for (const auto& [key, value] : c.node_selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value)
      return false;
  }
  if (c.required_affinity.empty())
    return true;
  return std::any_of(c.required_affinity.begin(), c.required_affinity.end(),
                     [&](const node_selector_term& t) { return matches(t, labels, node_name); });
}

bool node_admits(const placement_constraints& c, const node_info& node) {
  return node.ready && node.schedulable && matches_labels(c, node.labels, node.name)
         && tolerates_taints(c.tolerations, node.taints);
}

std::string describe_constraints(const placement_constraints& c) {
  std::string out;
  for (const auto& [key, value] : c.node_selector)
    out.append(out.empty() ? "" : ", ").append(key).append("=").append(value);
  std::string terms;
  for (const auto& term : c.required_affinity) {
    std::string t;
    for (const auto& r : term.match_expressions) {
      std::string e = r.key + " " + op_name(r.op);
      if (r.op == selector_operator::in || r.op == selector_operator::not_in)
        e += " (" + join(r.values) + ")";
      else if (r.op == selector_operator::gt || r.op == selector_operator::lt)
        e += " " + join(r.values);
      t += (t.empty() ? "" : " and ") + e;
    }
    terms += (terms.empty() ? "" : " or ") + t;
  }
  if (!terms.empty())
    out += (out.empty() ? "" : ", ") + (c.required_affinity.size() > 1 ? "(" + terms + ")" : terms);
  return out.empty() ? std::string{"any schedulable node"} : "nodes matching " + out;
}

std::optional<std::string> validate_constraints(const placement_constraints& c) {
  for (std::size_t i = 0; i < c.required_affinity.size(); ++i) {
    const auto& exprs = c.required_affinity[i].match_expressions;
    for (std::size_t j = 0; j < exprs.size(); ++j) {
      const auto& r = exprs[j];
      auto where = "nodeAffinity term " + std::to_string(i) + " expression " + std::to_string(j) + " (key \""
                   + r.key + "\"): ";
      if (r.key.empty())
        return where + "empty key";
      switch (r.op) {
      case selector_operator::in:
      case selector_operator::not_in:
        if (r.values.empty())
          return where + "In/NotIn need at least one value";
        break;
      case selector_operator::exists:
      case selector_operator::does_not_exist:
        if (!r.values.empty())
          return where + "Exists/DoesNotExist take no values";
        break;
      case selector_operator::gt:
      case selector_operator::lt:
        if (r.values.size() != 1 || !parse_int(r.values[0]))
          return where + "Gt/Lt need exactly one integer value";
        break;
      }
    }
  }
  for (std::size_t i = 0; i < c.tolerations.size(); ++i) {
    const auto& t = c.tolerations[i];
    if (t.op == toleration_operator::exists && !t.value.empty())
      return "toleration " + std::to_string(i) + ": operator Exists takes no value";
    if (t.op == toleration_operator::equal && t.key.empty())
      return "toleration " + std::to_string(i) + ": operator Equal needs a key";
  }
  return std::nullopt;
}

} // namespace lattice::scheduling
