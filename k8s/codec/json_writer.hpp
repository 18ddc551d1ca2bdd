#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lattice::k8s::codec {

/// A small streaming JSON writer for request bodies. Strings are escaped per
/// RFC 8259 and invalid UTF-8 is replaced by U+FFFD, so any input bytes give
/// a valid document. Members come out in call order, which keeps golden
/// output stable. The caller is responsible for balanced begin/end calls.
class json_writer {
public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view name);
  json_writer& string(std::string_view value);
  json_writer& number(std::int64_t value);
  json_writer& boolean(bool value);
  json_writer& null();
  /// Inserts already-encoded JSON as one value.
  json_writer& raw(std::string_view json);

  /// key + value shorthands.
  json_writer& field(std::string_view name, std::string_view value) { return key(name).string(value); }
  json_writer& field(std::string_view name, const char* value) { return key(name).string(value); }
  json_writer& field(std::string_view name, std::int64_t value) { return key(name).number(value); }
  json_writer& field(std::string_view name, std::int32_t value) { return key(name).number(value); }
  json_writer& field(std::string_view name, bool value) { return key(name).boolean(value); }
  /// Writes the member only when `value` is non-empty (Go's omitempty).
  json_writer& optional_field(std::string_view name, std::string_view value);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

private:
  void separate();
  void write_escaped(std::string_view s);

  std::string out_;
  bool need_comma_ = false;
};

} // namespace lattice::k8s::codec
