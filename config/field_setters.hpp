#pragma once

#include "config/operator_config.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

// Small factories for option_spec::apply and option_spec::show. Each takes a
// function that returns the field to change, so one table row names the
// field once.
namespace lattice::config::setters {

template <class T>
using field_ref = std::function<T&(operator_config&)>;

using apply_fn = std::function<bool(operator_config&, const std::string&)>;
/// Takes a mutable config because field_ref does; --help passes a scratch copy.
using show_fn = std::function<std::string(operator_config&)>;

apply_fn integer(const field_ref<int>& field, long min, long max);
apply_fn real(const field_ref<double>& field, double min_exclusive, double max);
apply_fn duration(const field_ref<milliseconds>& field, milliseconds min, milliseconds max);
apply_fn boolean(const field_ref<bool>& field);
apply_fn one_of(const field_ref<std::string>& field, std::vector<std::string> allowed);
/// Any string accepted by `valid` (which may be empty-tolerant).
apply_fn text(const field_ref<std::string>& field, std::function<bool(const std::string&)> valid);

show_fn show_integer(const field_ref<int>& field);
show_fn show_real(const field_ref<double>& field);
show_fn show_duration(const field_ref<milliseconds>& field);
show_fn show_boolean(const field_ref<bool>& field);
show_fn show_text(const field_ref<std::string>& field);

/// RFC 1123 DNS subdomain (API group, resource names).
bool is_dns_subdomain(const std::string& value);
/// RFC 1123 DNS label (namespaces).
bool is_dns_label(const std::string& value);
/// A Kubernetes qualified resource name such as nvidia.com/gpu.
bool is_resource_name(const std::string& value);
/// Empty, or comma-separated key=value pairs whose keys are qualified
/// label keys (a nodeSelector on the command line).
bool is_label_list(const std::string& value);
/// Parses is_label_list's format (call only on valid input).
std::map<std::string, std::string> parse_label_list(const std::string& value);
/// A dotted IPv4 address, "::", or "::1" style IPv6 literal.
bool is_ip_address(const std::string& value);

} // namespace lattice::config::setters
