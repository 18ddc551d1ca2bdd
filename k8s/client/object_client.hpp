#pragma once

#include "k8s/client/resource.hpp"
#include "k8s/client/rest_client.hpp"
#include "k8s/codec/encoders.hpp"
#include "k8s/list_watch_types.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace lattice::k8s::client {

inline constexpr const char* json_content_type = "application/json";
inline constexpr const char* merge_patch_content_type = "application/merge-patch+json";

struct list_options {
  std::string label_selector;
  std::string field_selector;
  /// Page size; 0 asks for everything at once.
  int limit = 0;
  std::string continue_token;
};

/// Typed REST operations on one kind. `decode_object(std::string_view, T*)`
/// and `decode_list(std::string_view, T*)` are found by argument-dependent
/// lookup (k8s/client/kinds.hpp for the operator's kinds).
template <class T>
class object_client {
public:
  object_client(std::shared_ptr<rest_client> client, resource res)
      : client_(std::move(client)), resource_(std::move(res)) {}

  const resource& kind() const { return resource_; }
  rest_client& rest() { return *client_; }

  result<T> get(const std::string& ns, const std::string& name) {
    return decoded(client_->call("GET", resource_.object_path(ns, name)));
  }

  /// One page; pass the returned continue_token back for the next.
  result<list_page<T>> list(const std::string& ns, const list_options& options = {}) {
    query_params query;
    if (!options.label_selector.empty())
      query.emplace_back("labelSelector", options.label_selector);
    if (!options.field_selector.empty())
      query.emplace_back("fieldSelector", options.field_selector);
    if (options.limit > 0)
      query.emplace_back("limit", std::to_string(options.limit));
    if (!options.continue_token.empty())
      query.emplace_back("continue", options.continue_token);
    auto body = client_->call("GET", resource_.collection_path(ns), query);
    if (!body)
      return body.err();
    return decode_list(std::string_view(*body), static_cast<T*>(nullptr));
  }

  /// Every page, concatenated (resource_version from the last page).
  result<list_page<T>> list_all(const std::string& ns, list_options options = {}) {
    list_page<T> all;
    do {
      auto page = list(ns, options);
      if (!page)
        return page.err();
      for (auto& item : page->items)
        all.items.push_back(std::move(item));
      all.resource_version = page->resource_version;
      options.continue_token = page->continue_token;
    } while (!options.continue_token.empty());
    return all;
  }

  /// POST of an encoded object; the created object as the server stored it.
  result<T> create(const std::string& ns, std::string body) {
    return decoded(
        client_->call("POST", resource_.collection_path(ns), {}, std::move(body), json_content_type));
  }

  /// PUT of a whole object (body carries metadata.resourceVersion: 409 if stale).
  result<T> replace(const std::string& ns, const std::string& name, std::string body) {
    return decoded(
        client_->call("PUT", resource_.object_path(ns, name), {}, std::move(body), json_content_type));
  }

  /// DELETE with DeleteOptions (preconditions, propagationPolicy). A 404 is
  /// returned as an error; callers that treat "already gone" as success check it.
  status remove(const std::string& ns, const std::string& name, const delete_options& options = {}) {
    auto body = client_->call("DELETE", resource_.object_path(ns, name), {}, encode_delete_options(options),
                              json_content_type);
    if (!body)
      return body.err();
    return ok_v;
  }

  /// JSON merge patch of the object or of a subresource ("status").
  result<T> merge_patch(const std::string& ns, const std::string& name, std::string patch,
                        const std::string& subresource = {}) {
    return decoded(client_->call("PATCH", resource_.object_path(ns, name, subresource), {}, std::move(patch),
                                 merge_patch_content_type));
  }

  /// PUT .../status: `body` holds metadata.resourceVersion, so a concurrent
  /// change makes the server answer 409 (returned, not retried).
  result<T> update_status(const std::string& ns, const std::string& name, std::string body) {
    return decoded(client_->call("PUT", resource_.object_path(ns, name, "status"), {}, std::move(body),
                                 json_content_type));
  }

  /// Optimistic-concurrency loop: get, mutate, PUT status; on 409 re-read
  /// and re-apply the mutation, at most `max_attempts` times. `mutate`
  /// returns false when nothing needs writing (the current object is then
  /// returned). `encode` turns the mutated object into the status body.
  result<T> update_status_with_retry(const std::string& ns, const std::string& name,
                                     const std::function<bool(T&)>& mutate,
                                     const std::function<std::string(const T&)>& encode,
                                     int max_attempts = 5) {
    error last;
    for (int attempt = 0; attempt < max_attempts; ++attempt) {
      auto current = get(ns, name);
      if (!current)
        return current.err();
      T object = std::move(current.value());
      if (!mutate(object))
        return object;
      auto written = update_status(ns, name, encode(object));
      if (written || written.err().status != 409)
        return written;
      last = written.err();
    }
    last.message += " (gave up after " + std::to_string(max_attempts) + " conflicting attempts)";
    return last;
  }

private:
  result<T> decoded(result<std::string> body) {
    if (!body)
      return body.err();
    return decode_object(std::string_view(*body), static_cast<T*>(nullptr));
  }

  std::shared_ptr<rest_client> client_;
  resource resource_;
};

} // namespace lattice::k8s::client
