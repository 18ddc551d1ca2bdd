#pragma once

#include "k8s/object_meta.hpp"
#include "k8s/result.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace lattice::k8s::codec {

/// Tracks which object is being decoded and the JSON path of the field
/// being read, so the first failure becomes a decode_error naming both
/// ("ns/name", "spec.template.spec.containers[0].resources.requests[cpu]").
/// Path segments are views into the parsed document; the path is rendered
/// only when something fails.
class decode_context {
public:
  /// Names the object by a fixed label ("<list>") until metadata is read.
  void set_object(std::string label) { object_ = std::move(label); }
  /// Names the object by `meta` ("ns/name"), rendered only if something
  /// fails, so successful decodes build no key string. `meta` must outlive
  /// the decode (it is the object being filled).
  void set_object(const object_meta* meta) { meta_ = meta; }
  std::string object() const { return meta_ != nullptr ? meta_->key() : object_; }

  void push(std::string_view key) { push_segment(segment{key, 0, false}); }
  void push(std::size_t index) { push_segment(segment{{}, index, true}); }
  void pop() { --depth_; }

  /// Records a failure at the current path (only the first one is kept) and
  /// returns false, so readers can `return ctx.fail("...")`.
  bool fail(std::string message);
  /// Same, for the child `key` of the current path (a missing field).
  bool fail_at(std::string_view key, std::string message);

  bool failed() const { return error_.has_value(); }
  error take_error();

  /// The current path, e.g. "spec.taints[2].effect".
  std::string path() const;

private:
  struct segment {
    std::string_view key;
    std::size_t index;
    bool is_index;
  };
  /// Deeper than any field the decoders read; deeper segments are counted
  /// but not named. A fixed array keeps decoding free of path allocations.
  static constexpr std::size_t max_depth = 32;

  void push_segment(segment s) {
    if (depth_ < max_depth)
      path_[depth_] = s;
    ++depth_;
  }

  std::string object_ = "<unknown>";
  const object_meta* meta_ = nullptr;
  std::array<segment, max_depth> path_{};
  std::size_t depth_ = 0;
  std::optional<error> error_;
};

/// Pushes one path segment for the lifetime of the scope.
class scoped_path {
public:
  scoped_path(decode_context& ctx, std::string_view key) : ctx_(ctx) { ctx_.push(key); }
  scoped_path(decode_context& ctx, std::size_t index) : ctx_(ctx) { ctx_.push(index); }
  ~scoped_path() { ctx_.pop(); }
  scoped_path(const scoped_path&) = delete;
  scoped_path& operator=(const scoped_path&) = delete;

private:
  decode_context& ctx_;
};

} // namespace lattice::k8s::codec
