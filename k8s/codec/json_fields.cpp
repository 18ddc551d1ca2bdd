#include "k8s/codec/json_fields.hpp"

#include "k8s/quantity.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace lattice::k8s::codec {

const char* type_name(dom::element_type type) {
  switch (type) {
  case dom::element_type::ARRAY:
    return "array";
  case dom::element_type::OBJECT:
    return "object";
  case dom::element_type::INT64:
  case dom::element_type::UINT64:
    return "integer";
  case dom::element_type::DOUBLE:
    return "number";
  case dom::element_type::STRING:
    return "string";
  case dom::element_type::BOOL:
    return "boolean";
  case dom::element_type::NULL_VALUE:
    return "null";
  }
  return "unknown";
}

namespace {

bool type_mismatch(decode_context& ctx, const char* expected, dom::element value) {
  return ctx.fail(std::string("expected ") + expected + ", got " + type_name(value.type()));
}

} // namespace

bool read_string(decode_context& ctx, dom::element value, std::string& out) {
  std::string_view s;
  if (value.get(s) != simdjson::SUCCESS)
    return type_mismatch(ctx, "string", value);
  out.assign(s.data(), s.size());
  return true;
}

bool read_bool(decode_context& ctx, dom::element value, bool& out) {
  if (value.get(out) != simdjson::SUCCESS)
    return type_mismatch(ctx, "boolean", value);
  return true;
}

bool read_int64(decode_context& ctx, dom::element value, std::int64_t& out) {
  if (value.get(out) == simdjson::SUCCESS)
    return true;
  if (value.type() == dom::element_type::UINT64)
    return ctx.fail("integer out of 64-bit range");
  return type_mismatch(ctx, "integer", value);
}

bool read_int32(decode_context& ctx, dom::element value, std::int32_t& out) {
  std::int64_t wide = 0;
  if (!read_int64(ctx, value, wide))
    return false;
  if (wide < std::numeric_limits<std::int32_t>::min() || wide > std::numeric_limits<std::int32_t>::max())
    return ctx.fail("integer " + std::to_string(wide) + " out of 32-bit range");
  out = static_cast<std::int32_t>(wide);
  return true;
}

bool expect_object(decode_context& ctx, dom::element value, dom::object& out) {
  if (value.get(out) != simdjson::SUCCESS)
    return type_mismatch(ctx, "object", value);
  return true;
}

bool expect_array(decode_context& ctx, dom::element value, dom::array& out) {
  if (value.get(out) != simdjson::SUCCESS)
    return type_mismatch(ctx, "array", value);
  return true;
}

bool read_string_map(decode_context& ctx, dom::element value, std::map<std::string, std::string>& out) {
  return for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    std::string s;
    if (!read_string(ctx, v, s))
      return false;
    out.insert_or_assign(std::string(key), std::move(s));
    return true;
  });
}

bool read_label_pairs(decode_context& ctx, dom::element value, std::vector<label_pair>& out) {
  out.clear();
  bool ok = for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    label_pair pair;
    pair.key.assign(key.data(), key.size());
    if (!read_string(ctx, v, pair.value))
      return false;
    out.push_back(std::move(pair));
    return true;
  });
  std::sort(out.begin(), out.end(), [](const label_pair& a, const label_pair& b) { return a.key < b.key; });
  return ok;
}

bool read_string_list(decode_context& ctx, dom::element value, std::vector<std::string>& out) {
  return for_each_item(ctx, value, [&](std::size_t, dom::element v) {
    out.emplace_back();
    return read_string(ctx, v, out.back());
  });
}

bool read_quantity(decode_context& ctx, std::string_view name, dom::element value, std::int64_t& out) {
  // CRD objects keep numbers as the user wrote them ("nvidia.com/gpu": 1);
  // the built-in kinds always send strings.
  char text_buffer[64];
  std::string_view text;
  std::int64_t signed_value = 0;
  std::uint64_t unsigned_value = 0;
  double double_value = 0;
  int length = 0;
  if (value.get(text) == simdjson::SUCCESS) {
    // the usual case: the API server sends quantities as strings
  } else if (value.get(signed_value) == simdjson::SUCCESS) {
    length = std::snprintf(text_buffer, sizeof text_buffer, "%lld", static_cast<long long>(signed_value));
  } else if (value.get(unsigned_value) == simdjson::SUCCESS) {
    length = std::snprintf(text_buffer, sizeof text_buffer, "%llu",
                           static_cast<unsigned long long>(unsigned_value));
  } else if (value.get(double_value) == simdjson::SUCCESS) {
    length = std::snprintf(text_buffer, sizeof text_buffer, "%.17g", double_value);
  } else {
    return type_mismatch(ctx, "quantity (string or number)", value);
  }
  if (length > 0)
    text = std::string_view(text_buffer, static_cast<std::size_t>(length));
  auto parsed = parse_resource_quantity(name, text);
  if (!parsed)
    return ctx.fail(parsed.err().message);
  out = *parsed;
  return true;
}

bool read_resource_list(decode_context& ctx, dom::element value, resource_list& out) {
  return for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    std::int64_t amount = 0;
    if (!read_quantity(ctx, key, v, amount))
      return false;
    if (amount < 0)
      return ctx.fail("negative quantity");
    out.set(key, amount);
    return true;
  });
}

bool add_resources(decode_context& ctx, resource_list& a, const resource_list& b) {
  auto add = [&](std::int64_t& x, std::int64_t y) {
    if (__builtin_add_overflow(x, y, &x))
      return ctx.fail("sum of resource amounts overflows 64 bits");
    return true;
  };
  if (!add(a.cpu_millis, b.cpu_millis) || !add(a.memory_bytes, b.memory_bytes))
    return false;
  for (const auto& r : b.others) {
    std::int64_t sum = a.get(r.name);
    if (!add(sum, r.value))
      return false;
    a.set(r.name, sum);
  }
  return true;
}

} // namespace lattice::k8s::codec
