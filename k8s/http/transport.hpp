#pragma once

#include "k8s/http/message.hpp"
#include "k8s/result.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace lattice::k8s::http {

/// A streamed response (a watch): its body, one line at a time.
class line_stream {
public:
  virtual ~line_stream() = default;
  /// The next complete line (without "\n"). nullopt: the server ended the
  /// stream cleanly. An error: transport failure, idle timeout or cancel().
  virtual result<std::optional<std::string>> next_line() = 0;
  /// Makes a blocked next_line() return kind::cancelled soon. Any thread.
  virtual void cancel() = 0;
};

/// The I/O seam between the REST client / reflector and the network. The
/// real one is tls_transport; tests substitute a fake. Thread-safe.
class transport {
public:
  virtual ~transport() = default;

  /// One request/response on a pooled keep-alive connection. A non-2xx
  /// status is a response, not an error; errors are transport failures.
  virtual result<response> round_trip(const request& req, std::chrono::milliseconds timeout) = 0;

  /// Opens a long-lived streamed request on its own connection. On a 2xx the
  /// stream is returned; on any other status the whole (short) body is read
  /// and returned in `rejected` instead.
  struct stream_or_response {
    std::unique_ptr<line_stream> stream;
    response rejected;
  };
  virtual result<stream_or_response> open_stream(const request& req,
                                                 std::chrono::milliseconds connect_timeout,
                                                 std::chrono::milliseconds idle_timeout) = 0;

  /// The bearer token was refused (401): re-read it before the next request.
  virtual void invalidate_credentials() {}

  /// Shutdown: requests in progress fail soon and later ones at once, with
  /// kind::cancelled; open streams are left to their own cancel(). For
  /// good; any thread.
  virtual void cancel() {}
};

} // namespace lattice::k8s::http
