#pragma once

#include "k8s/client/resource.hpp"
#include "k8s/client/rest_client.hpp"
#include "k8s/codec/encoders.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace lattice::k8s::client {

inline constexpr const char* json_content_type = "application/json";
inline constexpr const char* merge_patch_content_type = "application/merge-patch+json";

/// Read, create and replace one object of a kind, with optimistic
/// concurrency (a replace carries metadata.resourceVersion). The operator
/// uses it for its Lease only (k8s/leader/): every other write is a
/// k8s::write sent by the write dispatcher (k8s/client/write_request.hpp).
/// `decode_object(std::string_view, T*)` is found by argument-dependent
/// lookup (k8s/client/kinds.hpp).
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
