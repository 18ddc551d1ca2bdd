#pragma once

#include <string>
#include <utility>
#include <variant>

namespace lattice::k8s {

/// Why a call to the API server, or the decoding of what it sent, failed.
/// Exceptions never leave the k8s layer; every fallible function returns a
/// result<T> carrying one of these.
struct error {
  enum class kind {
    transport, ///< connect, TLS, timeout, connection closed
    http,      ///< the API server answered with a non-2xx status
    decode,    ///< a body that is not what we expect (names object and field)
    config,    ///< kubeconfig / in-cluster configuration unusable
    cancelled, ///< the caller asked to stop
  };
  kind what = kind::transport;
  /// HTTP status for kind::http (409, 410, 429, 403, ...), else 0.
  int status = 0;
  /// Kubernetes Status.reason for kind::http (Conflict, Expired, Forbidden, ...).
  std::string reason;
  /// For kind::decode: "namespace/name" or "<unknown>", and the JSON path of the field.
  std::string object;
  std::string field;
  /// One line a person understands.
  std::string message;
  /// Seconds from a Retry-After header (429/503), 0 when absent.
  int retry_after_seconds = 0;

  std::string to_string() const;
};

/// A value or an error. A deliberately small stand-in for C++23 std::expected.
template <class T>
class result {
public:
  result(T value) : state_(std::move(value)) {}
  result(error err) : state_(std::move(err)) {}

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const error& err() const { return std::get<error>(state_); }

private:
  std::variant<T, error> state_;
};

/// result<void>: success carries nothing.
struct ok_t {};
inline constexpr ok_t ok_v{};
using status = result<ok_t>;

/// Builds a decode error naming the object and the JSON path of the field.
inline error decode_error(std::string object, std::string field, std::string message) {
  error e;
  e.what = error::kind::decode;
  e.object = std::move(object);
  e.field = std::move(field);
  e.message = std::move(message);
  return e;
}

} // namespace lattice::k8s
