#include "k8s/codec/json_writer.hpp"

#include "base/json.hpp"

namespace lattice::k8s::codec {

void json_writer::separate() {
  if (need_comma_)
    out_ += ',';
}

void json_writer::write_escaped(std::string_view s) {
  out_ += '"';
  base::append_json_escaped(out_, s);
  out_ += '"';
}

json_writer& json_writer::begin_object() {
  separate();
  out_ += '{';
  need_comma_ = false;
  return *this;
}

json_writer& json_writer::end_object() {
  out_ += '}';
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::begin_array() {
  separate();
  out_ += '[';
  need_comma_ = false;
  return *this;
}

json_writer& json_writer::end_array() {
  out_ += ']';
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::key(std::string_view name) {
  separate();
  write_escaped(name);
  out_ += ':';
  need_comma_ = false;
  return *this;
}

json_writer& json_writer::string(std::string_view value) {
  separate();
  write_escaped(value);
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::number(std::int64_t value) {
  separate();
  out_ += std::to_string(value);
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::boolean(bool value) {
  separate();
  out_ += value ? "true" : "false";
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::null() {
  separate();
  out_ += "null";
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::raw(std::string_view json) {
  separate();
  out_.append(json.data(), json.size());
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::optional_field(std::string_view name, std::string_view value) {
  if (!value.empty())
    field(name, value);
  return *this;
}

} // namespace lattice::k8s::codec
