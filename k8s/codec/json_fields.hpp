#pragma once

#include "k8s/codec/decode_context.hpp"
#include "k8s/model/resource_list.hpp"
#include "k8s/model/scheduling_constraints.hpp"

#include <cstdint>
#include <map>
#include <simdjson.h>
#include <string>
#include <string_view>
#include <vector>

namespace lattice::k8s::codec {

namespace dom = simdjson::dom;

/// "string", "object", ... for error messages.
const char* type_name(dom::element_type type);

/// Typed readers for the value at the context's current path. Each returns
/// false after recording "expected <type>, got <type>" (or a range error).
bool read_string(decode_context& ctx, dom::element value, std::string& out);
bool read_bool(decode_context& ctx, dom::element value, bool& out);
bool read_int64(decode_context& ctx, dom::element value, std::int64_t& out);
bool read_int32(decode_context& ctx, dom::element value, std::int32_t& out);
bool expect_object(decode_context& ctx, dom::element value, dom::object& out);
bool expect_array(decode_context& ctx, dom::element value, dom::array& out);

/// Calls f(key, value) for each non-null member of the object `value`, with
/// the key pushed onto the path. Stops at the first f that returns false.
template <class F>
bool for_each_field(decode_context& ctx, dom::element value, F&& f) {
  dom::object object;
  if (!expect_object(ctx, value, object))
    return false;
  for (dom::key_value_pair field : object) {
    if (field.value.is_null())
      continue;
    scoped_path at(ctx, field.key);
    if (!f(field.key, field.value))
      return false;
  }
  return true;
}

/// Calls f(index, value) for each element of the array `value` ([i] pushed).
template <class F>
bool for_each_item(decode_context& ctx, dom::element value, F&& f) {
  dom::array array;
  if (!expect_array(ctx, value, array))
    return false;
  std::size_t index = 0;
  for (dom::element item : array) {
    scoped_path at(ctx, index);
    if (!f(index, item))
      return false;
    ++index;
  }
  return true;
}

/// Reads an object of strings into a map / a vector sorted by key.
bool read_string_map(decode_context& ctx, dom::element value, std::map<std::string, std::string>& out);
bool read_label_pairs(decode_context& ctx, dom::element value, std::vector<label_pair>& out);
bool read_string_list(decode_context& ctx, dom::element value, std::vector<std::string>& out);

/// Reads one resource.Quantity (a string, or a JSON number as CRDs may
/// store it) as the integer kept for resource `name` (cpu: millicores).
bool read_quantity(decode_context& ctx, std::string_view name, dom::element value, std::int64_t& out);

/// Reads a ResourceList ({"cpu": "500m", "nvidia.com/gpu": "1"}). Negative
/// amounts are rejected: Kubernetes validation never admits them.
bool read_resource_list(decode_context& ctx, dom::element value, resource_list& out);

/// `a += b` resource by resource; false (recorded at the current path) on overflow.
bool add_resources(decode_context& ctx, resource_list& a, const resource_list& b);

} // namespace lattice::k8s::codec
